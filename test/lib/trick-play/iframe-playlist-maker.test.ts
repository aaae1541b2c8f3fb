import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CasterpakError } from '../../../src/lib/shared/errors.js';
import { createIFramePlaylist, fileLoader, httpLoader, type MediaLoader } from '../../../src/lib/trick-play/iframe-playlist-maker.js';
import { parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { REPO_DIR } from '../../helpers/bento4.js';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';
import { concat, h264Au, pat, pes, pmt, VIDEO_PID } from '../../helpers/ts-builder.js';

const SHOW = path.join(REPO_DIR, 'test/fixtures/published/show');
const EXPECTED = [
  '#EXTM3U',
  '#EXT-X-VERSION:4',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-I-FRAMES-ONLY',
  '#EXTINF:2.000,',
  '#EXT-X-BYTERANGE:3384@564',
  '../stream0.ts',
  '#EXTINF:2.000,',
  '#EXT-X-BYTERANGE:4512@62416',
  '../stream0.ts',
  '#EXTINF:2.000,',
  '#EXT-X-BYTERANGE:4512@564',
  '../stream1.ts',
  '#EXTINF:2.000,',
  '#EXT-X-BYTERANGE:5076@69936',
  '../stream1.ts',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

// An in-memory loader: URL path → content; counts concurrent byte reads.
function memoryLoader(files: Record<string, string | Uint8Array | Error>, delayMs = 0) {
  const state = { inFlight: 0, maxInFlight: 0, reads: [] as string[] };
  const get = async (url: URL) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    state.reads.push(url.pathname);
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const content = files[url.pathname];
      if (content === undefined) throw new CasterpakError('NOT_FOUND', `${url.pathname}: no such file`);
      if (content instanceof Error) throw content;
      return content;
    } finally {
      state.inFlight--;
    }
  };
  const loader: MediaLoader = {
    text: async (url) => String(await get(url)),
    bytes: async (url) => {
      const content = await get(url);
      return typeof content === 'string' ? new TextEncoder().encode(content) : content;
    },
  };
  return { loader, state };
}

const mediaPlaylist = (uris: string[]) =>
  `#EXTM3U\n#EXT-X-TARGETDURATION:2\n${uris.map((u) => `#EXTINF:2,\n${u}\n`).join('')}#EXT-X-ENDLIST\n`;
const segment = (pts: number, psi = true) =>
  concat(...(psi ? [pat(), pmt()] : []), pes(VIDEO_PID, h264Au(true), { pts }), pes(VIDEO_PID, h264Au(false), { pts: pts + 3600 }));

async function rejection(promise: Promise<unknown>): Promise<CasterpakError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CasterpakError);
    return error as CasterpakError;
  }
  throw new Error('expected a rejection');
}

describe('createIFramePlaylist on local files', () => {
  it("makes the published fixture's kfonly playlist with bit rates, CODECS and RESOLUTION", async () => {
    const result = await createIFramePlaylist(pathToFileURL(path.join(SHOW, 'stream.m3u8')), fileLoader());
    expect(result.playlist).toBe(EXPECTED);
    expect(result).toMatchObject({ codecs: 'avc1.64000c', resolution: { width: 320, height: 180 }, keyFrames: 4, segments: 2 });
    const bytes = 3384 + 4512 + 4512 + 5076;
    expect(result.average).toBe(Math.ceil((8 * bytes) / 8));
    expect(result.peak).toBeGreaterThanOrEqual(result.average);
    expect(parseMediaPlaylist(result.playlist).isIFrame).toBe(true);
  });

  it('refuses a master playlist and a segment that is not MPEG-TS, naming them', async () => {
    const master = memoryLoader({ '/m.m3u8': '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\na.m3u8\n' });
    const masterError = await rejection(createIFramePlaylist(new URL('file:///m.m3u8'), master.loader));
    expect([masterError.code, masterError.message]).toEqual([
      'BAD_PLAYLIST',
      'm.m3u8: is a master playlist; give one of its media playlists',
    ]);
    const notTs = memoryLoader({
      '/p.m3u8': mediaPlaylist(['a.ts', 'b.ts']),
      '/a.ts': segment(0),
      '/b.ts': new Uint8Array(376).fill(0x20),
    });
    const tsError = await rejection(createIFramePlaylist(new URL('file:///p.m3u8'), notTs.loader));
    expect([tsError.code, tsError.message]).toEqual(['BAD_TS', 'b.ts: no sync byte 0x47 at offset 0']);
    const garbage = await rejection(createIFramePlaylist(new URL('file:///g.m3u8'), memoryLoader({ '/g.m3u8': 'hello' }).loader));
    expect(garbage.message).toMatch(/^g\.m3u8: not an HLS playlist/);
  });

  it('reads segments a few at a time ahead of the scan and surfaces a failed read-ahead as the error', async () => {
    const uris = Array.from({ length: 10 }, (_, i) => `s${i}.ts`);
    const files: Record<string, Uint8Array | string> = { '/p.m3u8': mediaPlaylist(uris) };
    uris.forEach((u, i) => (files[`/${u}`] = segment(i * 180000)));
    const { loader, state } = memoryLoader(files, 5);
    const result = await createIFramePlaylist(new URL('file:///p.m3u8'), loader);
    expect(result.keyFrames).toBe(10);
    expect(state.maxInFlight).toBe(4);
    expect(state.reads.slice(1)).toEqual(uris.map((u) => `/${u}`));
    const failing = memoryLoader({ ...files, '/s2.ts': new CasterpakError('UPSTREAM', 's2 broke') }, 5);
    expect((await rejection(createIFramePlaylist(new URL('file:///p.m3u8'), failing.loader))).message).toBe('s2 broke');
  });

  it("scans a segment without PAT/PMT with the previous segment's program and adds EXT-X-MAP", async () => {
    const { loader } = memoryLoader({ '/p.m3u8': mediaPlaylist(['a.ts', 'b.ts']), '/a.ts': segment(0), '/b.ts': segment(180000, false) });
    const built = parseMediaPlaylist((await createIFramePlaylist(new URL('file:///p.m3u8'), loader)).playlist);
    expect(built.version).toBe(5);
    expect(built.segments.map((s) => [s.uri, s.byterange.offset, s.map.uri, s.map.byterange])).toEqual([
      ['../a.ts', 376, '../a.ts', { length: 376, offset: 0 }],
      ['../b.ts', 0, '../a.ts', { length: 376, offset: 0 }],
    ]);
  });
});

describe('createIFramePlaylist over HTTP (127.0.0.1)', () => {
  let upstream: FakeUpstream;
  afterEach(async () => upstream?.close());

  async function serveShow(playlistText?: (origin: string) => string): Promise<string> {
    upstream = await startFakeUpstream();
    for (const name of readdirSync(SHOW)) {
      const body = readFileSync(path.join(SHOW, name));
      upstream.route(`/hls/show/${name}`, (_req, res) =>
        res.end(name.endsWith('.m3u8') && playlistText ? playlistText(upstream.origin) : body),
      );
    }
    return `${upstream.origin}/hls/show/stream.m3u8`;
  }

  const loaderFor = (url: string) => httpLoader({ timeoutMs: 5000, maxBytes: 10_000_000, allowedOrigins: [new URL(url).origin] });

  it('gives the same playlist as from files for relative segment URIs', async () => {
    const url = await serveShow();
    expect((await createIFramePlaylist(new URL(url), loaderFor(url))).playlist).toBe(EXPECTED);
  });

  it("accepts absolute segment URIs on the playlist's origin and writes them relative", async () => {
    const url = await serveShow((origin) =>
      readFileSync(path.join(SHOW, 'stream.m3u8'), 'utf8').replace(/^stream/gm, `${origin}/hls/show/stream`),
    );
    expect((await createIFramePlaylist(new URL(url), loaderFor(url))).playlist).toBe(EXPECTED);
  });

  it('refuses absolute segment URIs on another host before fetching any segment', async () => {
    const url = await serveShow(() =>
      readFileSync(path.join(SHOW, 'stream.m3u8'), 'utf8').replace(/^stream/gm, 'http://cdn.invalid/show/stream'),
    );
    const error = await rejection(createIFramePlaylist(new URL(url), loaderFor(url)));
    expect(error.code).toBe('FORBIDDEN_HOST');
    expect(error.message).toBe(
      `${url}: segment URI http://cdn.invalid/show/stream0.ts is on another origin; trick play needs relative segment URIs`,
    );
    expect([...upstream.hits.keys()]).toEqual(['/hls/show/stream.m3u8']);
  });
});
