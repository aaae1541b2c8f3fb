// Crash safety (docs/reliability.md): kill -9 of mp42hls, and of a serve worker, at seeded random moments of
// packaging. No request is ever answered with a partial or invalid playlist or segment, the
// next request packages again, and no temporary directory survives the next sweep.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { tsFramingError } from '../../src/lib/formats/mpegts/sync-check.js';
import { fakeBinDir, processRunning, readPids, REAL_BIN_DIR, REAL_MP42HLS } from '../helpers/bento4.js';
import { cacheLayout } from '../../src/lib/cache/names.js';
import { locateBento4 } from '../../src/lib/packaging/bento4.js';
import { RenditionStore } from '../../src/lib/packaging/rendition-store.js';
import { startOrigin } from '../helpers/origin.js';
import { tempDir } from '../helpers/temp-dir.js';
import { avLibrary, linkSource } from './helpers/library.js';
import { rng } from './helpers/prng.js';
import { childPids, startServe, waitFor } from '../helpers/serve-process.js';
import { completeBodyError, errorAnswerProblem, get, renditionError, type Answer } from './helpers/validate.js';

let pidsFile: string;
beforeEach(() => {
  pidsFile = path.join(tempDir('casterpak-pids-'), 'pids');
  process.env.FAKE_MP42HLS_PIDS = pidsFile;
  process.env.FAKE_MP42HLS_REAL = REAL_MP42HLS;
});
afterEach(() => {
  delete process.env.FAKE_MP42HLS_PIDS;
  delete process.env.FAKE_MP42HLS_REAL;
});

// kill -9 of a process and everything it started (the trickle wrapper's real mp42hls, sleep, cat).
function killTree(pid: number): boolean {
  const children = childPids(pid);
  let killed = false;
  try {
    process.kill(pid, 'SIGKILL');
    killed = true;
  } catch {
    // already gone
  }
  for (const child of children) killTree(child);
  return killed;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// What a client may see for a rendition while its packaging is killed: a valid rendition, an
// error answer with a reason, or (for a killed worker) a connection that failed at TCP level.
async function judge(indexUrl: string, answer: Answer | Error): Promise<'valid' | 'error' | 'connection'> {
  if (answer instanceof Error) return 'connection';
  if (answer.status === 200) {
    const problem = await renditionError(indexUrl, answer);
    expect(problem, indexUrl).toBeNull();
    return 'valid';
  }
  expect(errorAnswerProblem(answer), indexUrl).toBeNull();
  return 'error';
}

const tmpEntries = (cacheDir: string) => (existsSync(path.join(cacheDir, '.tmp')) ? readdirSync(path.join(cacheDir, '.tmp')) : []);

describe('crash safety: kill -9 during packaging', () => {
  it('30 kills of mp42hls at random moments: never a partial answer, the next request repackages', { timeout: 90_000 }, async () => {
    const RUNS = 30;
    const random = rng(8001);
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { bento4: { binDir: fakeBinDir('trickle') } });
    const outcomes = { killedBeforeDone: 0, finishedFirst: 0, errorAnswers: 0, validAnswers: 0 };
    // The tool holds its last write until the gate opens (after the kill): every kill lands mid-run.
    const gate = (process.env.FAKE_MP42HLS_GATE = path.join(path.dirname(pidsFile), 'gate'));
    onTestFinished(() => void delete process.env.FAKE_MP42HLS_GATE);
    for (let run = 0; run < RUNS; run++) {
      rmSync(gate, { force: true });
      const name = `r${run}/av.mp4`;
      linkSource(t.sourceRoot, name);
      const indexUrl = `${t.url}/i/${name}/index_0_av.m3u8`;
      const before = readPids(pidsFile).length;
      const requests = [indexUrl, indexUrl, `${t.url}/i/${name}/segment2_0_av.ts`].map((u) => get(u).catch((e: Error) => e));
      // A random moment of packaging: once the tool has started (the probe before it takes a
      // varying time on a loaded machine), within its ~250 ms of writing.
      await waitFor(() => readPids(pidsFile).length > before, 10_000, 'mp42hls to start').catch(() => {});
      await sleep(random.int(0, 250));
      const tools = readPids(pidsFile).slice(before);
      const killed = tools.map((pid) => processRunning(pid) && killTree(pid)).some(Boolean);
      writeFileSync(gate, ''); // a run the kill missed (or the next one) goes on
      if (killed) outcomes.killedBeforeDone++;
      else outcomes.finishedFirst++;
      const answers = await Promise.all(requests);
      for (const [i, answer] of answers.entries()) {
        if (i === 2) {
          // the segment request: a whole, framed segment or an error
          if (answer instanceof Error) throw answer;
          if (answer.status === 200) expect(completeBodyError(answer) ?? tsFramingError(answer.body), `${name} segment`).toBeNull();
          else expect(errorAnswerProblem(answer), `${name} segment`).toBeNull();
          continue;
        }
        const verdict = await judge(indexUrl, answer);
        expect(verdict, name).not.toBe('connection');
        outcomes[verdict === 'valid' ? 'validAnswers' : 'errorAnswers']++;
      }
      if (!killed)
        expect(
          answers.every((a) => !(a instanceof Error) && a.status === 200),
          name,
        ).toBe(true);
      // The next request packages again (a kill from outside is not remembered as a bad source).
      const next = await get(indexUrl);
      expect(next.status, name).toBe(200);
      expect(await renditionError(indexUrl, next), name).toBeNull();
      if (killed && answers.some((a) => !(a instanceof Error) && a.status !== 200))
        expect(next.headers.get('x-casterpak-cache'), name).toBe('MISS');
      expect(tmpEntries(t.cacheDir), name).toEqual([]);
    }
    for (const pid of readPids(pidsFile)) expect(processRunning(pid), `mp42hls ${pid}`).toBe(false);
    console.info('[reliability] mp42hls kills', JSON.stringify(outcomes));
    expect(outcomes.killedBeforeDone).toBe(RUNS);
    expect(outcomes.errorAnswers).toBeGreaterThan(0);
  });

  it('20 kills of a serve worker (--workers 2) while it packages: the other worker takes over', { timeout: 120_000 }, async () => {
    const RUNS = 20;
    const random = rng(8002);
    const { library, cacheDir } = avLibrary(
      'casterpak-crash-',
      Array.from({ length: RUNS }, (_, run) => `w${run}/av.mp4`),
    );
    const serve = await startServe(
      [
        '--workers',
        '2',
        '--cache-dir',
        cacheDir,
        '--source-root',
        library,
        '--bento4-dir',
        fakeBinDir('trickle'),
        '--segment-duration',
        '4',
        '--log-level',
        'info',
      ],
      { FAKE_MP42HLS_PIDS: pidsFile, FAKE_MP42HLS_REAL: REAL_MP42HLS },
    );
    const listening = () => serve.stderr().split('"msg":"listening"').length - 1;
    await waitFor(() => listening() === 2, 15_000, 'two workers');
    const outcomes = { workersKilled: 0, connectionFailures: 0, errorAnswers: 0, validAnswers: 0 };
    for (let run = 0; run < RUNS; run++) {
      const name = `w${run}/av.mp4`;
      const indexUrl = `${serve.url}/i/${name}/index_0_av.m3u8`;
      const requests = [0, 1, 2].map(() => get(indexUrl).catch((e: Error) => e));
      await sleep(random.int(20, 450));
      // The worker holding the rendition's lock is the one packaging it; without a lock (not
      // started or already done), a random worker.
      const locks = existsSync(path.join(cacheDir, '.locks'))
        ? readdirSync(path.join(cacheDir, '.locks')).filter((n) => n.endsWith('.lock'))
        : [];
      const owners = locks.map((n) => {
        try {
          return (JSON.parse(readFileSync(path.join(cacheDir, '.locks', n), 'utf8')) as { pid: number }).pid;
        } catch {
          return 0;
        }
      });
      const workers = serve.workers();
      const victim = owners.find((pid) => workers.includes(pid)) ?? random.pick(workers);
      process.kill(victim, 'SIGKILL');
      outcomes.workersKilled++;
      for (const answer of await Promise.all(requests)) {
        const verdict = await judge(indexUrl, answer);
        outcomes[verdict === 'valid' ? 'validAnswers' : verdict === 'error' ? 'errorAnswers' : 'connectionFailures']++;
      }
      // A new worker counts once it listens: killing the only listening worker would close the
      // primary's shared handle (port 0 would then be a new port).
      await waitFor(() => listening() === 2 + outcomes.workersKilled, 15_000, 'the primary to start a new worker');
      const next = await get(indexUrl);
      expect(next.status, name).toBe(200);
      expect(await renditionError(indexUrl, next), name).toBeNull();
    }
    expect(serve.child.exitCode).toBeNull();
    // Tools orphaned by a killed worker run on (their process group outlives the worker) and
    // end; their temporary directories were removed by the start-up sweep of the worker that
    // replaced the killed one (the owner's pid is dead).
    await waitFor(() => readPids(pidsFile).every((pid) => !processRunning(pid)), 15_000, 'orphaned tools to end');
    expect(tmpEntries(cacheDir)).toEqual([]);
    console.info('[reliability] worker kills', JSON.stringify(outcomes));
    expect(outcomes.validAnswers).toBeGreaterThan(0);
  });

  it(
    '12 kills of a serve worker while it makes a segment alone (pinned Bento4): never a partial segment, the same bytes after',
    { timeout: 120_000 },
    async () => {
      const RUNS = 12;
      const random = rng(8006);
      const { library, cacheDir } = avLibrary(
        'casterpak-crash-alone-',
        Array.from({ length: RUNS }, (_, run) => `s${run}/av.mp4`),
      );
      // The oracle: the same segments from a whole-file run (casterpak package's path).
      const oracle = new RenditionStore({
        bento4: locateBento4(REAL_BIN_DIR, 30_000),
        layout: cacheLayout(tempDir('casterpak-oracle-')),
        segmentDuration: 1,
        publicBaseUrl: null,
        failureTtlMs: 0,
        resolveSource: async () => path.join(library, 'av.mp4'),
      });
      await oracle.make('av.mp4', false);
      const expected = (n: number) => readFileSync(path.join(oracle.layout.renditionDir('av.mp4'), `segment${n}_0_av.ts`));
      const serve = await startServe([
        '--workers',
        '2',
        '--cache-dir',
        cacheDir,
        '--source-root',
        library,
        '--segment-duration',
        '1',
        '--read-ahead',
        '0',
        '--log-level',
        'info',
      ]);
      const listening = () => serve.stderr().split('"msg":"listening"').length - 1;
      await waitFor(() => listening() === 2, 15_000, 'two workers');
      const outcomes = { workersKilled: 0, connectionFailures: 0, errorAnswers: 0, validAnswers: 0 };
      for (let run = 0; run < RUNS; run++) {
        const name = `s${run}/av.mp4`;
        expect((await get(`${serve.url}/i/${name}/index_0_av.m3u8`)).status).toBe(200); // from the moov: no tool
        const n = random.int(1, 6); // av.mp4 cut at 1 s: 6 segments (a key frame every 2 s)
        const url = `${serve.url}/i/${name}/segment${n}_0_av.ts`;
        const requests = [0, 1].map(() => get(url).catch((e: Error) => e));
        await sleep(random.int(5, 60)); // one segment alone takes some 30–60 ms here
        const workers = serve.workers();
        process.kill(random.pick(workers), 'SIGKILL');
        outcomes.workersKilled++;
        for (const answer of await Promise.all(requests)) {
          if (answer instanceof Error) outcomes.connectionFailures++;
          else if (answer.status === 200) {
            expect(answer.body.equals(expected(n)), `${name} segment ${n}`).toBe(true);
            outcomes.validAnswers++;
          } else {
            expect(errorAnswerProblem(answer), url).toBeNull();
            outcomes.errorAnswers++;
          }
        }
        await waitFor(() => listening() === 2 + outcomes.workersKilled, 15_000, 'the primary to start a new worker');
        const next = await get(url);
        expect(next.status, `${url}: ${next.body.toString().slice(0, 200)}`).toBe(200);
        expect(tsFramingError(next.body)).toBeNull();
        expect(next.body.equals(expected(n)), `${name} segment ${n} after the kill`).toBe(true);
      }
      expect(serve.child.exitCode).toBeNull();
      await waitFor(() => tmpEntries(cacheDir).length === 0, 15_000, 'the start-up sweeps to remove killed runs');
      console.info('[reliability] worker kills while making segments alone', JSON.stringify(outcomes));
    },
  );
});
