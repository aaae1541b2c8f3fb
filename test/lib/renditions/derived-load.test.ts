// Derived renditions under load and interruption: one transcode per cold segment whatever the
// number of requests, 503 beyond renditions.maxTranscodes + maxQueue, and a transcode killed
// mid-run leaves nothing half-written.
import { statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { processRunning } from '../../helpers/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { filesUnder } from '../../helpers/temp-dir.js';
import { DERIVED_CONFIG, TEST_LADDER, segmentPath, transcodeRuns } from './helpers/derived.js';
import { fakeFfmpeg } from './helpers/fake-ffmpeg.js';
import { tsAv } from './helpers/media-probe.js';

async function until(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !test(); await sleep(20)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

describe('derived renditions under load', () => {
  it('parallel requests for one cold segment run ffmpeg once and get the same bytes', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, DERIVED_CONFIG);
    const responses = await Promise.all(Array.from({ length: 4 }, () => t.get(segmentPath('av_144p.mp4', 2))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const bodies = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer())));
    expect(bodies.every((b) => b.equals(bodies[0]))).toBe(true);
    expect(await transcodeRuns(t)).toBe(1);
    expect(await transcodeRuns(t, 'committed')).toBe(1);
  });

  it('beyond maxTranscodes and maxQueue, answers 503 with Retry-After; the running transcode finishes', async () => {
    const fake = fakeFfmpeg({ kind: 'sleep', seconds: 0.5 });
    const t = await startOrigin(
      { 'av.mp4': 'av.mp4' },
      { ...DERIVED_CONFIG, ffmpeg: { path: fake.path }, renditions: { ladder: TEST_LADDER, maxTranscodes: 1, maxQueue: 0 } },
    );
    expect((await t.get('/i/av_144p.mp4/index_0_av.m3u8')).status).toBe(200);
    const first = t.get(segmentPath('av_144p.mp4', 1));
    await until('the first transcode to start', () => fake.runs() === 1);
    const refused = await t.get(segmentPath('av_144p.mp4', 2));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.text()).toContain('queue is full');
    expect((await first).status).toBe(200);
    expect(fake.runs()).toBe(1); // the refused request never ran
    // A refusal is not remembered: once the slot is free the segment is made. The first answer
    // went out as its file was created, before its commit let the slot go (store/segment-requests.ts).
    await t.settled();
    expect((await t.get(segmentPath('av_144p.mp4', 2))).status).toBe(200);
    expect(fake.runs()).toBe(2);
  });

  it('a transcode killed at its time limit leaves no partial segment; the next request makes it', async () => {
    // The first run begins its output and then waits to be killed at the 2.5 s limit, mid-encode
    // whatever the machine's load; later runs are fast.
    const fake = fakeFfmpeg({ kind: 'hang-first' });
    const t = await startOrigin(
      { 'av.mp4': 'av.mp4' },
      {
        ...DERIVED_CONFIG,
        renditions: { ladder: TEST_LADDER, timeoutMs: 2500 },
        ffmpeg: { path: fake.path },
        serve: { readAhead: 0, failureTtlMs: 0 },
      },
    );
    const { layout } = t.origin.store;
    const segment = () => filesUnder(layout.renditionDir('av_144p.mp4')).filter((f) => f.endsWith('.ts'));
    expect((await t.get('/i/av_144p.mp4/index_0_av.m3u8')).status).toBe(200);

    const killed = t.get(segmentPath('av_144p.mp4', 1));
    // ffmpeg has begun its output file in the run's temp directory.
    const begun = () =>
      filesUnder(layout.tmpDir()).some(
        (f) => /encoded-.*\.mp4$/.test(f) && (statSync(path.join(layout.tmpDir(), f), { throwIfNoEntry: false })?.size ?? 0) > 0,
      );
    await until('ffmpeg to begin its output', begun);
    const response = await killed;
    expect(response.status).toBe(504);
    expect(await response.text()).toMatch(/ffmpeg ran past its time limit of 2500 ms/);
    expect(processRunning(fake.pids()[0])).toBe(false);
    expect(segment()).toEqual([]);
    expect(filesUnder(layout.tmpDir())).toEqual([]);

    const made = await t.get(segmentPath('av_144p.mp4', 1));
    expect(made.status).toBe(200);
    const { video } = tsAv(new Uint8Array(await made.arrayBuffer()));
    expect(video.pes).toHaveLength(100); // 4 s at 25 fps
    await t.settled(); // answered while it was committed
    expect(segment()).toEqual(['segment1_0_av.ts']);
    expect(fake.runs()).toBe(2);
  });
});
