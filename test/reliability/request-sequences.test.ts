// docs/reliability.md: no sequence of requests takes serve down. Failing media is asked for in
// the orders that once killed the process (an MP3 source: the playlist, then a segment whose
// run fails, then another segment answered from the remembered failure while a source was
// being closed: an unhandled rejection), alone and with --workers 2, beside a good film whose
// requests must all be answered. Every answer is a status with its one-line reason.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { media } from '../helpers/bento4.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { get, type Answer } from './helpers/validate.js';

const FAILING = ['mp3.mp4', 'vp9.mp4', 'opus.mp4', 'truncated.mp4', 'empty.mp4', 'not-an-mp4.mp4'];
const paths = (name: string) =>
  ['index_0_av.m3u8', 'segment1_0_av.ts', 'segment2_0_av.ts', 'segment3_0_av.ts', 'segment2_0_av.ts', 'master.m3u8'].map(
    (p) => `/i/${name}/${p}`,
  );

function library(): { sourceRoot: string; cacheDir: string } {
  const sourceRoot = tempDir('casterpak-seq-src-');
  for (const name of [...FAILING, 'av.mp4']) copyFileSync(media(name), path.join(sourceRoot, name));
  const cacheDir = path.join(tempDir('casterpak-seq-cache-'), 'cache');
  mkdirSync(cacheDir);
  return { sourceRoot, cacheDir };
}

// The problem with an answer, or null: a 2xx, or a 4xx/5xx whose body is one line of reason.
function answerProblem(answer: Answer): string | null {
  if (answer.status < 400) return answer.status === 200 ? null : `status ${answer.status}`;
  const reason = answer.body.toString('utf8').trim();
  if (reason === '' || reason.includes('\n')) return `status ${answer.status} without a one-line reason: ${JSON.stringify(reason)}`;
  if (answer.status >= 500) return `status ${answer.status}: ${reason}`;
  return null;
}

async function replay(serve: ServeProcess, workersBefore: number[]): Promise<void> {
  const good = Array.from({ length: 6 }, (_, i) => `/i/av.mp4/segment${i + 1}_0_av.ts`);
  for (const round of [1, 2]) {
    for (const name of FAILING) {
      // The failing sequence in order, with the good film's requests in flight beside it.
      const beside = Promise.all(good.map((p) => get(serve.url + p)));
      for (const p of paths(name)) {
        const answer = await get(serve.url + p);
        expect(answerProblem(answer), `${p} (round ${round})`).toBeNull();
      }
      for (const [i, answer] of (await beside).entries()) expect(answer.status, `${good[i]} beside ${name}`).toBe(200);
    }
  }
  expect(serve.child.exitCode, serve.stderr().slice(-2000)).toBeNull();
  expect(serve.workers().sort()).toEqual(workersBefore.sort()); // no worker died and was replaced
  expect((await get(`${serve.url}/healthz`)).status).toBe(200);
  expect(serve.stderr()).not.toMatch(/unhandled|uncaught/i);
}

describe('request sequences against serve', () => {
  it('survives failing media asked for in every order, one process', { timeout: 120_000 }, async () => {
    const { sourceRoot, cacheDir } = library();
    const serve = await startServe(['--source-root', sourceRoot, '--cache-dir', cacheDir, '--segment-duration', '2']);
    await replay(serve, []);
  });

  it('survives the same with --workers 2: no worker dies, no other request is dropped', { timeout: 120_000 }, async () => {
    const { sourceRoot, cacheDir } = library();
    const serve = await startServe(['--source-root', sourceRoot, '--cache-dir', cacheDir, '--segment-duration', '2', '--workers', '2']);
    const deadline = Date.now() + 20_000;
    while (serve.workers().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const workers = serve.workers();
    expect(workers).toHaveLength(2);
    await replay(serve, workers);
  });
});
