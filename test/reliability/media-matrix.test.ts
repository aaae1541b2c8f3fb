// docs/reliability.md: every kind of bad source through serve gets its documented status (200,
// or a 4xx with a reason; the one documented 5xx class is Bento4 failing on a file mp4info
// accepts), the process never falls over, and a bad source is not packaged again on every
// request (mp42hls runs counted by the counting wrapper).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countingRuns, fakeBinDir, media } from '../helpers/bento4.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { boxOffsets, mutants, MUTATION_KINDS } from './helpers/mutate.js';
import { errorAnswerProblem, get, renditionError } from './helpers/validate.js';

// A corrupt source is never a 5xx (docs/reliability.md): when mp42hls crashes, fails with a Bento4 error
// code, or writes output that disagrees with the source's duration, the answer is 422 with
// Bento4's reason, remembered (failureTtlMs) like any other bad source.

const withoutMoov = (bytes: Buffer) =>
  Buffer.concat(
    boxOffsets(bytes, 0, bytes.length, 99)
      .filter((b) => b.type !== 'moov')
      .map((b) => bytes.subarray(b.offset, b.offset + b.size)),
  );

async function answerOf(t: TestOrigin, renditionPath: string): Promise<{ status: number; reason: string }> {
  const indexUrl = `${t.url}/i/${renditionPath}/index_0_av.m3u8`;
  const answer = await get(indexUrl);
  if (answer.status === 200) {
    expect(await renditionError(indexUrl, answer), renditionPath).toBeNull();
    return { status: 200, reason: '' };
  }
  expect(errorAnswerProblem(answer), renditionPath).toBeNull();
  return { status: answer.status, reason: answer.body.toString('utf8').trim() };
}

describe('media matrix through serve', () => {
  it('gives each fixture class its documented status, twice, packaging each source at most once', async () => {
    const expected: Record<string, [string | Buffer, number]> = {
      'av.mp4': ['av.mp4', 200],
      'moov-at-end.mp4': ['moov-at-end.mp4', 200],
      'audio-only.mp4': ['audio-only.mp4', 200],
      'video-only.mp4': ['video-only.mp4', 200],
      'hevc.mp4': ['hevc.mp4', 200],
      'empty.mp4': ['empty.mp4', 422],
      'truncated.mp4': ['truncated.mp4', 422],
      'no-moov.mp4': [withoutMoov(readFileSync(media('av.mp4'))), 422],
      'not-an-mp4.mp4': ['not-an-mp4.mp4', 422],
      'vp9.mp4': ['vp9.mp4', 415],
      'opus.mp4': ['opus.mp4', 415],
    };
    const fixtures = Object.fromEntries(
      Object.entries(expected)
        .filter(([, [src]]) => typeof src === 'string')
        .map(([name, [src]]) => [name, src as string]),
    );
    const runs = countingRuns();
    const t = await startOrigin(fixtures, { bento4: { binDir: fakeBinDir('counting') } });
    writeFileSync(path.join(t.sourceRoot, 'no-moov.mp4'), expected['no-moov.mp4'][0]);
    for (const round of [1, 2]) {
      for (const [name, [, status]] of Object.entries(expected)) {
        const answer = await answerOf(t, name);
        expect(answer.status, `${name} (round ${round}): ${answer.reason}`).toBe(status);
      }
      // Only the packageable ones reach mp42hls, once each: nothing is packaged again.
      expect(runs(), `after round ${round}`).toBe(5);
    }
    expect((await get(`${t.url}/healthz`)).status).toBe(200);
  });

  it('answers 200 mutated copies of a good MP4 (seed 8003) with 200 or a 4xx with a reason', { timeout: 120_000 }, async () => {
    const COUNT = 200;
    const list = mutants(readFileSync(media('av-no-bframes.mp4')), COUNT, 8003);
    const runs = countingRuns();
    // The failures must still be remembered when they are asked for again, however slow the machine.
    const t = await startOrigin({}, { bento4: { binDir: fakeBinDir('counting') }, serve: { failureTtlMs: 600_000 } });
    list.forEach((m, i) => writeFileSync(path.join(t.sourceRoot, `m${i}.mp4`), m.bytes));
    const first: Array<{ status: number; reason: string }> = [];
    for (let i = 0; i < COUNT; i += 4) first.push(...(await Promise.all(list.slice(i, i + 4).map((_, j) => answerOf(t, `m${i + j}.mp4`)))));
    const table = new Map<string, number>();
    first.forEach(({ status, reason }, i) => {
      const what = `${list[i].kind} (${list[i].detail}): ${reason}`;
      expect([200, 415, 422], what).toContain(status);
      if (list[i].kind === 'truncate') expect(status, what).toBe(422); // a cut-off copy is always told as such
      const key = `${list[i].kind} ${status}`;
      table.set(key, (table.get(key) ?? 0) + 1);
    });
    const runsAfterFirst = runs();
    expect(runsAfterFirst).toBeLessThanOrEqual(COUNT);
    // Ask again for every failed one: the same answer from memory, no new mp42hls run.
    const failed = first.map((a, i) => ({ ...a, i })).filter((a) => a.status !== 200);
    for (const { i, status } of failed) expect((await get(`${t.url}/i/m${i}.mp4/index_0_av.m3u8`)).status, `m${i}`).toBe(status);
    expect(runs()).toBe(runsAfterFirst);
    expect((await get(`${t.url}/healthz`)).status).toBe(200);
    const summary = MUTATION_KINDS.map(
      (kind) =>
        `${kind}: ${[...table]
          .filter(([k]) => k.startsWith(kind))
          .map(([k, n]) => `${k.split(' ')[1]}×${n}`)
          .join(' ')}`,
    );
    console.info('[reliability] mutants', summary.join('; '), `| mp42hls runs ${runsAfterFirst}`);
  });
});
