import { describe, expect, it } from 'vitest';
import { idleCollection } from '../../../../src/lib/origin/http/idle-collection.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function counted(options: { quietMs: number; minIntervalMs: number }) {
  const calls = { released: 0, collected: 0 };
  const quiet = idleCollection(() => calls.released++, {
    ...options,
    collect: () => calls.collected++,
  });
  return { quiet, calls };
}

describe('idle collection', () => {
  it('collects once the last request has been over for the quiet time, the pool let go first; once more an interval later', async () => {
    const { quiet, calls } = counted({ quietMs: 100, minIntervalMs: 250 });
    quiet.started();
    quiet.started();
    quiet.ended();
    await sleep(200);
    expect(calls.collected).toBe(0); // one still in progress
    quiet.ended();
    await sleep(50);
    expect(calls.collected).toBe(0); // not quiet long enough yet
    await sleep(150);
    expect(calls).toEqual({ released: 1, collected: 1 });
    await sleep(300);
    expect(quiet.runs).toBe(2); // the follow-up, still quiet an interval later
    await sleep(400);
    expect(quiet.runs).toBe(2); // idle: no collection again without new activity
    quiet.stop();
  });

  it('activity before the follow-up puts it off until serve is quiet again', async () => {
    const { quiet, calls } = counted({ quietMs: 50, minIntervalMs: 300 });
    quiet.started();
    quiet.ended();
    await sleep(100);
    expect(calls.collected).toBe(1);
    quiet.started(); // the follow-up would have come at 350 ms
    await sleep(400);
    expect(calls.collected).toBe(1);
    quiet.ended(); // quiet again: a collection once the interval since the last has passed, then its follow-up
    await sleep(100);
    expect(calls.collected).toBe(2);
    await sleep(350);
    expect(calls.collected).toBe(3);
    quiet.stop();
  });

  it('a request that starts during the quiet time puts the collection off', async () => {
    const { quiet, calls } = counted({ quietMs: 150, minIntervalMs: 1000 });
    quiet.started();
    quiet.ended();
    await sleep(100);
    quiet.started();
    await sleep(200);
    expect(calls.collected).toBe(0);
    quiet.ended();
    await sleep(250);
    expect(calls.collected).toBe(1);
    quiet.stop();
  });

  it('at most one collection per interval; a closed connection counts as activity', async () => {
    const { quiet, calls } = counted({ quietMs: 50, minIntervalMs: 400 });
    quiet.started();
    quiet.ended();
    await sleep(150);
    expect(calls.collected).toBe(1);
    quiet.closed();
    await sleep(150);
    expect(calls.collected).toBe(1); // within the interval of the last one
    await sleep(250);
    expect(calls.collected).toBe(2);
    quiet.stop();
  });

  it('stopped (shutdown): no collection afterwards', async () => {
    const { quiet, calls } = counted({ quietMs: 50, minIntervalMs: 0 });
    quiet.started();
    quiet.ended();
    quiet.stop();
    quiet.closed();
    await sleep(150);
    expect(calls.collected).toBe(0);
  });

  it('a real full collection frees dead buffers without --expose-gc', async () => {
    expect(process.execArgv).not.toContain('--expose-gc');
    let finalized = false;
    const registry = new FinalizationRegistry(() => (finalized = true));
    registry.register(Buffer.allocUnsafeSlow(4 * 1024 * 1024), 'segment');
    const quiet = idleCollection(() => {}, { quietMs: 10, minIntervalMs: 10_000 });
    quiet.started();
    quiet.ended();
    await sleep(100);
    expect(quiet.runs).toBe(1);
    await sleep(50); // finalizers run in a later task
    expect(finalized).toBe(true);
    quiet.stop();
  });
});
