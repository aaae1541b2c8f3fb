// docs/reliability.md: packaging into a nearly full file system. The test mounts a 2 MiB tmpfs
// as the cache directory (we run as root; where mounting is refused it falls back to a fake
// mp42hls failing with ENOSPC's message). Packaging fails with a clear 507 and a reason,
// nothing half-written is published, the origin keeps serving what it has, and once space is
// freed the same rendition is packaged (a full disk is not remembered as a bad source).
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fakeBinDir } from '../helpers/bento4.js';
import { startOrigin } from '../helpers/origin.js';
import { tempDir } from '../helpers/temp-dir.js';
import { errorAnswerProblem, get, renditionError } from './helpers/validate.js';

// A 2 MiB tmpfs, or null with the reason it could not be mounted.
function smallFileSystem(): { dir: string } | { reason: string } {
  const dir = path.join(tempDir('casterpak-diskfull-'), 'cachefs');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    return { reason: String((error as { stderr?: Buffer }).stderr ?? error).trim() };
  }
  onTestFinished(() => {
    execFileSync('umount', ['-l', dir]);
  });
  return { dir };
}

// Fills the file system holding `dir` until write(2) fails, then gives `leaveBytes` back.
function fill(dir: string, leaveBytes: number): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, chunk);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  ftruncateSync(fd, Math.max(0, size - leaveBytes));
  closeSync(fd);
  return filler;
}

describe('disk full', () => {
  it(
    'a full cache file system: 507 with a reason, nothing half-written published, existing renditions still served',
    { timeout: 30_000 },
    async () => {
      const fs2m = smallFileSystem();
      const simulated = 'reason' in fs2m;
      if (simulated) console.warn(`[reliability] cannot mount a tmpfs (${fs2m.reason}); simulating ENOSPC with a fake mp42hls`);
      const cacheDir = simulated ? path.join(tempDir('casterpak-diskfull-'), 'cache') : fs2m.dir;
      const sources = { 'small/audio.mp4': 'audio-only.mp4', 'big/av.mp4': 'av.mp4' };
      const t = await startOrigin(sources, { cacheDir });
      const first = await get(`${t.url}/i/small/audio.mp4/index_0_av.m3u8`);
      expect(first.status).toBe(200);
      expect(await renditionError(`${t.url}/i/small/audio.mp4/index_0_av.m3u8`, first)).toBeNull(); // its segments made too
      // Fill the file system, leaving 8 KiB: less than the big rendition's playlist and segment
      // index need (a segment needs more). (Simulated: a second origin on the same cache whose
      // mp42hls fails with ENOSPC's message.)
      const filler = simulated ? null : fill(cacheDir, 8 * 1024);
      const origin = simulated ? await startOrigin(sources, { cacheDir, bento4: { binDir: fakeBinDir('no-space') } }) : t;
      const smallUrl = `${origin.url}/i/small/audio.mp4/index_0_av.m3u8`;
      const bigUrl = `${origin.url}/i/big/av.mp4/index_0_av.m3u8`;
      // The playlist alone first: one made from the moov is answered before its rendition is
      // written only when the cache has room for it (shared/free-space.ts), so not here.
      const alone = await get(bigUrl);
      const attempts = [alone, ...(await Promise.all([get(bigUrl), get(`${origin.url}/i/big/av.mp4/segment1_0_av.ts`)]))];
      for (const answer of attempts) {
        expect(answer.status, answer.body.toString()).toBe(507);
        expect(errorAnswerProblem(answer)).toBeNull();
        expect(answer.body.toString()).toMatch(/no space left in the cache/);
      }
      // Nothing half-written is published, and no temporary directory stays behind.
      expect(existsSync(path.join(cacheDir, 'big'))).toBe(false);
      expect(existsSync(path.join(cacheDir, '.tmp')) ? readdirSync(path.join(cacheDir, '.tmp')) : []).toEqual([]);
      // What was there is still served, whole.
      const again = await get(smallUrl);
      expect(again.status).toBe(200);
      expect(again.headers.get('x-casterpak-cache')).toBe('HIT');
      expect(await renditionError(smallUrl, again)).toBeNull();
      expect((await get(`${origin.url}/healthz`)).status).toBe(200);
      if (filler === null) return;
      // Space comes back (prune, an operator): the next request packages the rendition.
      rmSync(filler);
      const after = await get(bigUrl);
      expect(after.status, after.body.toString()).toBe(200);
      expect(await renditionError(bigUrl, after)).toBeNull();
    },
  );
});
