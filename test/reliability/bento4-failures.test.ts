// docs/reliability.md: Bento4 failing in every way a fake mp42hls can (exit 0 without a playlist,
// exit 1 after partial segments, SIGSEGV, a hang past bento4.timeoutMs, a playlist listing a
// missing segment, segments that are not MPEG-TS) through serve: an error answer with a
// one-line reason, nothing published in the cache, no process left behind.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBinDir, processExists, processRunning, readPids } from '../helpers/bento4.js';
import { startOrigin } from '../helpers/origin.js';
import { tempDir } from '../helpers/temp-dir.js';
import { errorAnswerProblem, get } from './helpers/validate.js';

let pidsFile: string;
beforeEach(() => {
  pidsFile = path.join(tempDir('casterpak-pids-'), 'pids');
  process.env.FAKE_MP42HLS_PIDS = pidsFile;
});
afterEach(() => {
  delete process.env.FAKE_MP42HLS_PIDS;
});

const TIMEOUT_MS = 1500;

// [fake case, status, reason in the body]
const CASES: ReadonlyArray<readonly [string, number, RegExp]> = [
  ['no-playlist', 422, /mp42hls wrote no playlist for av\.mp4$/],
  ['partial-exit1', 422, /mp42hls exited with code 1: ERROR: failed to read sample \(-10\)$/],
  ['segv', 422, /mp42hls was killed by SIGSEGV: about to crash$/],
  ['hang', 504, /mp42hls ran past its time limit of 1500 ms and was killed$/],
  ['missing-segment', 422, /mp42hls listed segment 2 of av\.mp4 but did not write it$/],
  ['not-ts', 422, /mp42hls wrote an invalid segment 1 for av\.mp4: size 31 is not a multiple of 188$/],
];

// Everything in the cache directory except casterpak's lock bookkeeping (.locks/ keeps the
// remembered failure), recursively.
const published = (cacheDir: string) =>
  existsSync(cacheDir)
    ? readdirSync(cacheDir, { recursive: true })
        .map(String)
        .filter((n) => !n.startsWith('.locks') && n !== '.tmp')
    : [];

describe('Bento4 failures through serve', () => {
  for (const [fake, status, reason] of CASES) {
    it(`${fake}: ${status} with the reason, nothing published, no process left`, async () => {
      const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { bento4: { binDir: fakeBinDir(fake), timeoutMs: TIMEOUT_MS } });
      const started = Date.now();
      const [playlist, segment] = await Promise.all([get(`${t.url}/i/av.mp4/index_0_av.m3u8`), get(`${t.url}/i/av.mp4/segment1_0_av.ts`)]);
      const elapsed = Date.now() - started;
      for (const answer of [playlist, segment]) {
        expect(answer.status).toBe(status);
        expect(errorAnswerProblem(answer)).toBeNull();
        expect(answer.body.toString('utf8').trim()).toMatch(reason);
        expect(answer.headers.get('cache-control')).toBe('no-store');
      }
      // The hanging tool (a child sleeping 60 s) is killed by the limit, not before it: the lower
      // bound is a fact of the clock, and the pid checks below prove the kill (sleep 60 would
      // still run). An upper bound in wall time would only measure the machine's load.
      if (fake === 'hang') expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS);
      expect(published(t.cacheDir)).toEqual([]);
      // The remembered failure answers the next request without another run.
      const runsBefore = readPids(pidsFile).length;
      expect((await get(`${t.url}/i/av.mp4/index_0_av.m3u8`)).status).toBe(status);
      expect(readPids(pidsFile).length).toBe(runsBefore);
      // The fakes record their own pid and their children's: none still runs, none is a zombie.
      const pids = readPids(pidsFile);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) expect(processRunning(pid), `pid ${pid}`).toBe(false);
      // …and every one is reaped (children that outlived the fake are reaped by init).
      await expect.poll(() => pids.filter(processExists), { timeout: 3000 }).toEqual([]);
      expect((await get(`${t.url}/healthz`)).status).toBe(200);
    });
  }
});
