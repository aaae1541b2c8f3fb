// ffmpeg and ffprobe as independent readers of what casterpak serves: every playlist kind
// reads without an error, and every byte range of a kfonly playlist, prefixed with its
// segment's PAT/PMT, is exactly one key frame.
import { cpSync, copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegRead, probeVideoFrames } from './helpers/media.js';
import { REPO_DIR, resources } from './helpers/resources.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const res = resources();
let serve: ServeProcess;

beforeAll(async () => {
  const library = res.dir('library');
  const published = res.dir('published');
  const fixture = (name: string) => path.join(REPO_DIR, 'test/fixtures/media', name);
  mkdirSync(path.join(library, '2022'));
  copyFileSync(fixture('av.mp4'), path.join(library, '2022/clip_a.mp4'));
  copyFileSync(fixture('av-no-bframes.mp4'), path.join(library, '2022/clip_b.mp4'));
  copyFileSync(fixture('video-only.mp4'), path.join(library, '2022/clip_v.mp4'));
  cpSync(path.join(REPO_DIR, 'test/fixtures/published'), published, { recursive: true });
  serve = await startServe(res, { cacheDir: res.dir('cache'), sourceRoot: library, publishedRoot: published });
});
afterAll(() => res.release());

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  if (response.status >= 300) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response;
}

interface RangeEntry {
  readonly uri: string;
  readonly offset: number;
  readonly length: number;
  readonly map: { readonly uri: string; readonly offset: number; readonly length: number } | null;
}

// A line-level reader of I-frame playlists, on purpose independent of casterpak's playlist code.
function byteRanges(text: string, base: string): RangeEntry[] {
  const entries: RangeEntry[] = [];
  let range: { offset: number; length: number } | null = null;
  let map: RangeEntry['map'] = null;
  for (const line of text.split('\n').map((l) => l.trim())) {
    const byterange = /^#EXT-X-BYTERANGE:(\d+)@(\d+)$/.exec(line);
    const mapTag = /^#EXT-X-MAP:URI="([^"]+)"(?:,BYTERANGE="(\d+)@(\d+)")?$/.exec(line);
    if (byterange) range = { length: Number(byterange[1]), offset: Number(byterange[2]) };
    else if (mapTag) map = { uri: new URL(mapTag[1], base).href, length: Number(mapTag[2] ?? -1), offset: Number(mapTag[3] ?? 0) };
    else if (line && !line.startsWith('#')) {
      if (!range) throw new Error(`${line}: no EXT-X-BYTERANGE with an offset`);
      entries.push({ uri: new URL(line, base).href, ...range, map });
      range = null;
    }
  }
  return entries;
}

const rangeHeader = (offset: number, length: number) => ({ Range: `bytes=${offset}-${offset + length - 1}` });

async function fetchRange(uri: string, offset: number, length: number): Promise<Uint8Array> {
  const response = await get(uri, rangeHeader(offset, length));
  expect(response.status).toBe(206);
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(bytes.length).toBe(length);
  return bytes;
}

// Each range with what a player puts before it: the EXT-X-MAP range, or else the segment's
// bytes before its first key frame (its PAT and PMT), as RFC 8216 §4.3.3.6 lets clients assume.
async function checkRanges(iframePlaylistUrl: string): Promise<number> {
  const text = await (await get(iframePlaylistUrl)).text();
  expect(text).toContain('#EXT-X-I-FRAMES-ONLY');
  const entries = byteRanges(text, iframePlaylistUrl);
  expect(entries.length).toBeGreaterThan(0);
  const firstOffset = new Map<string, number>();
  for (const e of entries) firstOffset.set(e.uri, Math.min(firstOffset.get(e.uri) ?? Infinity, e.offset));
  for (const entry of entries) {
    const prefix = entry.map
      ? entry.map.length < 0
        ? new Uint8Array(await (await get(entry.map.uri)).arrayBuffer())
        : await fetchRange(entry.map.uri, entry.map.offset, entry.map.length)
      : await fetchRange(entry.uri, 0, firstOffset.get(entry.uri)!);
    const range = await fetchRange(entry.uri, entry.offset, entry.length);
    const { frames, stderr } = await probeVideoFrames(Buffer.concat([prefix, range]));
    const where = `${entry.uri} ${entry.length}@${entry.offset}: ${stderr}`;
    expect(frames, where).toHaveLength(1);
    expect(frames[0], where).toMatchObject({ key_frame: 1, pict_type: 'I' });
  }
  return entries.length;
}

describe('ffmpeg reads every playlist casterpak makes', () => {
  const playlists = [
    '/i/2022/clip_a.mp4/index_0_av.m3u8',
    '/i/2022/clip_a.mp4/master.m3u8',
    '/i/2022/clip_,a,b,v,.mp4.csmil/master.m3u8',
    '/i/2022/clip_a.mp4/kfonly/index_0_av.m3u8',
    '/hls/show/stream.m3u8',
    '/hls/show/kfonly/stream.m3u8',
  ];
  it.each(playlists)('%s', async (pathname) => {
    const { exitCode, stderr } = await ffmpegRead(serve.url + pathname);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
  });

  it('reads the kfonly playlist as key frames only, one per entry, at their EXTINF times', async () => {
    const url = `${serve.url}/i/2022/clip_a.mp4/kfonly/index_0_av.m3u8`;
    const text = await (await get(url)).text();
    const durations = [...text.matchAll(/^#EXTINF:([\d.]+),/gm)].map((m) => Number(m[1]));
    const { execa } = await import('execa');
    const probe = await execa(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_frames', '-show_entries', 'frame=key_frame,pict_type,pts_time', '-of', 'json', url],
      { timeout: 60_000 },
    );
    const frames = (JSON.parse(probe.stdout) as { frames: Array<{ key_frame: number; pict_type: string; pts_time: string }> }).frames;
    expect(frames).toHaveLength(durations.length);
    expect(frames.every((f) => f.key_frame === 1 && f.pict_type === 'I')).toBe(true);
    let expected = Number(frames[0].pts_time);
    frames.forEach((frame, i) => {
      expect(Number(frame.pts_time)).toBeCloseTo(expected, 2);
      expected += durations[i];
    });
  });
});

describe('each kfonly byte range, after its PAT/PMT, decodes as exactly one key frame', () => {
  it.each([
    ['H.264 with B-frames (packaged by casterpak)', '/i/2022/clip_a.mp4/kfonly/index_0_av.m3u8'],
    ['H.264 without B-frames (packaged by casterpak)', '/i/2022/clip_b.mp4/kfonly/index_0_av.m3u8'],
    ['video only (packaged by casterpak)', '/i/2022/clip_v.mp4/kfonly/index_0_av.m3u8'],
    ['published by ffmpeg’s HLS muxer', '/hls/show/kfonly/stream.m3u8'],
  ])('%s', async (_, pathname) => {
    expect(await checkRanges(serve.url + pathname)).toBeGreaterThanOrEqual(2);
  });
});
