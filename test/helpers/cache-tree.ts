// Small casterpak cache trees for prune tests, with every mtime set explicitly (utimes), so
// what is idle and what is not is decided by the test, not by the clock.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renditionKey } from '../../src/lib/cache/names.js';

// Whole seconds: utimes stores them exactly, so boundaries can be hit to the millisecond.
export const NOW = Math.floor(Date.now() / 1000) * 1000;
export const HOUR = 3_600_000;

// Sets mtime (last access for prune) to `mtimeMs`; atime to `atimeMs` (prune must ignore it).
export function setTimes(file: string, mtimeMs: number, atimeMs = NOW): void {
  utimesSync(file, atimeMs / 1000, mtimeMs / 1000);
}

export function writeFile(file: string, bytes: number | string, mtimeMs: number): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof bytes === 'string' ? bytes : Buffer.alloc(bytes, 0x47));
  setTimes(file, mtimeMs);
  return file;
}

interface RenditionSpec {
  /** mtime of each segment (segment1, segment2, …). */
  readonly segments: readonly number[];
  /** mtime of the playlist and .rendition.json. @default the oldest segment's */
  readonly playlist?: number;
  /** mtime of kfonly/index_0_av.m3u8; none when undefined. */
  readonly kfonly?: number;
  /** @default 1000 */ readonly segmentBytes?: number;
}

// `<cacheDir>/<renditionPath>/` as casterpak writes it. Returns the directory.
export function makeRendition(cacheDir: string, renditionPath: string, spec: RenditionSpec): string {
  const dir = path.join(cacheDir, ...renditionPath.split('/'));
  const playlist = spec.playlist ?? Math.min(...spec.segments);
  writeFile(path.join(dir, 'index_0_av.m3u8'), '#EXTM3U\n', playlist);
  writeFile(path.join(dir, '.rendition.json'), '{}', playlist);
  spec.segments.forEach((mtime, i) => writeFile(path.join(dir, `segment${i + 1}_0_av.ts`), spec.segmentBytes ?? 1000, mtime));
  if (spec.kfonly !== undefined) writeFile(path.join(dir, 'kfonly', 'index_0_av.m3u8'), '#EXTM3U\n', spec.kfonly);
  return dir;
}

// A lock file as tryLock writes it, heartbeaten at `mtimeMs`.
export function makeLock(cacheDir: string, renditionPath: string, mtimeMs: number, owner: { pid?: number; host?: string } = {}): string {
  const file = path.join(cacheDir, '.locks', `${renditionKey(renditionPath)}.lock`);
  const content = JSON.stringify({
    pid: owner.pid ?? process.pid,
    host: owner.host ?? 'elsewhere.example',
    startedAt: mtimeMs,
    what: renditionPath,
  });
  return writeFile(file, content, mtimeMs);
}

// A packaging run directory (.tmp/<key>.<host>.<pid>.<rand>/) with one partial segment.
export function makeRunDir(cacheDir: string, renditionPath: string, mtimeMs: number): string {
  const dir = path.join(cacheDir, '.tmp', `${renditionKey(renditionPath)}.elsewhere.example.4242.0123abcd`);
  writeFile(path.join(dir, 'segment-1.ts'), 500, mtimeMs);
  setTimes(dir, mtimeMs);
  return dir;
}
