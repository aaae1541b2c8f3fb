// Derived renditions read by independent tools: the system ffmpeg decodes each whole derived
// rendition through its HLS demuxer, from a cold cache, as cleanly as the source's and with
// the same frames at the same presentation times; nginx with deploy/nginx/casterpak.conf in
// front passes derived playlists and segments through byte for byte, cold or cached.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DERIVED, LADDER_FRAMES, SOURCE, makeLadderSource, startLadderServe } from './helpers/ladder-source.js';
import { FFMPEG, FFPROBE } from './helpers/media.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { resources } from './helpers/resources.js';
import type { ServeProcess } from './helpers/serve-process.js';

const res = resources();
let library: string;

beforeAll(async () => {
  library = res.dir('library');
  await makeLadderSource(library);
});
afterAll(() => res.release());

const playlistOf = (serve: ServeProcess, rendition: string) => `${serve.url}/i/${rendition}/index_0_av.m3u8`;

interface Decoded {
  readonly stderr: string;
  readonly problems: string[];
  readonly videoFrames: number;
  readonly audioFrames: number;
}

// ffmpeg decodes every frame of the playlist at debug verbosity, each line tagged with its
// level: a warning or error anywhere (e.g. "Non-monotonous DTS", a continuity check) and the
// demuxer's "timestamp discontinuity" (a debug line) are problems.
async function decode(url: string): Promise<Decoded> {
  const result = await execa(FFMPEG, ['-nostdin', '-v', 'level+debug', '-i', url, '-f', 'null', '-'], { reject: false, timeout: 90_000 });
  const stderr = result.stderr;
  expect(result.exitCode, stderr.slice(-2000)).toBe(0);
  const problems = stderr.split('\n').filter((line) => /\[(warning|error|fatal|panic)\]|discontinuity|monoton/i.test(line));
  const frames = (type: string) =>
    Number(
      new RegExp(`Input stream #0:\\d+ \\(${type}\\): \\d+ packets read \\(\\d+ bytes\\); (\\d+) frames decoded`).exec(stderr)?.[1] ?? NaN,
    );
  return { stderr, problems, videoFrames: frames('video'), audioFrames: frames('audio') };
}

// The presentation times of the video frames ffprobe decodes from the playlist, in output order.
async function framePts(url: string): Promise<number[]> {
  const result = await execa(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts', '-of', 'csv=p=0', url], {
    timeout: 90_000,
  });
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Number(line.replace(/,$/, '')));
}

describe('ffmpeg as an independent player of derived renditions', () => {
  let serve: ServeProcess;
  let source: Decoded;
  beforeAll(async () => {
    serve = await startLadderServe(res, library);
    source = await decode(playlistOf(serve, SOURCE));
  });

  it('decodes the source rendition cleanly (the control)', () => {
    expect(source.problems).toEqual([]);
    expect(source.videoFrames).toBe(LADDER_FRAMES);
    expect(source.stderr).toMatch(/ 0 decoding errors/);
  });

  it.each(Object.entries(DERIVED))(
    'decodes the whole %s rendition from a cold cache with no warning, discontinuity or decoding error, frame for frame as the source',
    async (_profile, rendition) => {
      const started = Date.now();
      const derived = await decode(playlistOf(serve, rendition));
      expect(derived.problems).toEqual([]);
      expect(derived.stderr).toMatch(/ 0 decoding errors/);
      expect(derived.videoFrames).toBe(source.videoFrames);
      // The audio is the source's, sample for sample.
      expect(derived.audioFrames).toBe(source.audioFrames);
      // Frame k of the derived rendition is shown when the source's frame k is (docs/configuration.md,
      // "Derived renditions"): the same presentation times in the same order.
      const [sourcePts, derivedPts] = await Promise.all([framePts(playlistOf(serve, SOURCE)), framePts(playlistOf(serve, rendition))]);
      expect(derivedPts.length).toBe(LADDER_FRAMES);
      expect(derivedPts).toEqual(sourcePts);
      console.log(`ffmpeg ${rendition}: ${Date.now() - started} ms`);
    },
  );
});

describe('nginx in front of casterpak passes derived renditions through', () => {
  let serve: ServeProcess;
  let nginx: Nginx;
  beforeAll(async () => {
    serve = await startLadderServe(res, library);
    nginx = await startNginx(res, [`127.0.0.1:${serve.port}`]);
  });
  // A cold transcode waits behind at most one other (maxTranscodes 1): generous limits.
  const get = async (url: string) => {
    const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    return {
      status: response.status,
      cache: response.headers.get('x-cache-status'),
      type: response.headers.get('content-type'),
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  };
  const rendition = DERIVED['234p'];

  it('a derived segment made cold through nginx is the same bytes as casterpak sends directly, and nginx then answers it from its cache', async () => {
    const started = Date.now();
    const playlist = `/i/${rendition}/index_0_av.m3u8`;
    const [viaPlaylist, directPlaylist] = [await get(`${nginx.url}${playlist}`), await get(`${serve.url}${playlist}`)];
    expect(viaPlaylist.status).toBe(200);
    expect(viaPlaylist.bytes.equals(directPlaylist.bytes)).toBe(true);

    const segment = `/i/${rendition}/segment3_0_av.ts`;
    const cold = await get(`${nginx.url}${segment}`);
    expect(cold.status).toBe(200);
    expect(cold.cache).toBe('MISS');
    expect(cold.type).toBe('video/mp2t');
    expect(cold.bytes.length % 188).toBe(0);
    const direct = await get(`${serve.url}${segment}`);
    expect(direct.status).toBe(200);
    expect(cold.bytes.equals(direct.bytes)).toBe(true);
    const hit = await get(`${nginx.url}${segment}`);
    expect(hit.cache).toBe('HIT');
    expect(hit.bytes.equals(direct.bytes)).toBe(true);
    console.log(`nginx cold through nginx: ${Date.now() - started} ms`);
  });

  it('a derived segment made directly first is the same bytes through nginx', async () => {
    const segment = `/i/${rendition}/segment5_0_av.ts`;
    const direct = await get(`${serve.url}${segment}`);
    expect(direct.status).toBe(200);
    const via = await get(`${nginx.url}${segment}`);
    expect(via.status).toBe(200);
    expect(via.cache).toBe('MISS');
    expect(via.bytes.equals(direct.bytes)).toBe(true);
    // A different segment from the one above: the comparison is not of a constant answer.
    expect(via.bytes.equals((await get(`${serve.url}/i/${rendition}/segment3_0_av.ts`)).bytes)).toBe(false);
  });
});
