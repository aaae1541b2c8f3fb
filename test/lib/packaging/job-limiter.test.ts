import { describe, expect, it } from 'vitest';
import { JobLimiter } from '../../../src/lib/packaging/job-limiter.js';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('JobLimiter', () => {
  it('runs at most maxJobs at once and starts queued jobs in order as slots free up', async () => {
    const limiter = new JobLimiter(2, 10);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      limiter.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.queued]).toEqual([2, 2]);
    gates[1].resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect([limiter.active, limiter.queued]).toEqual([2, 1]);
    gates[0].resolve();
    gates[2].resolve();
    gates[3].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('refuses a job at once with OVERLOADED when the queue is full', async () => {
    const limiter = new JobLimiter(1, 1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const second = limiter.run(async () => 'queued');
    await expect(limiter.run(async () => 'third')).rejects.toMatchObject({
      code: 'OVERLOADED',
      message: expect.stringMatching(/1 running, 1 waiting/),
    });
    gate.resolve();
    await first;
    expect(await second).toBe('queued');
  });

  it('frees the slot when a job throws', async () => {
    const limiter = new JobLimiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limiter.active).toBe(0);
    expect(await limiter.run(async () => 'next')).toBe('next');
  });

  it('with maxQueue 0 refuses anything beyond the running jobs', async () => {
    const limiter = new JobLimiter(1, 0);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    await expect(limiter.run(async () => 1)).rejects.toMatchObject({ code: 'OVERLOADED' });
    gate.resolve();
    await first;
  });

  it('refuses a job that waited maxWaitMs for a slot, and passes the slot on to the next one', async () => {
    const limiter = new JobLimiter(1, 10, 'whole-file packaging', 100);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const started = Date.now();
    const second = limiter.run(async () => 'ran');
    await expect(second).rejects.toMatchObject({ code: 'OVERLOADED', message: expect.stringMatching(/no slot within 100 ms/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(limiter.queued).toBe(0);
    const third = limiter.run(async () => 'third');
    gate.resolve();
    await first;
    await expect(third).resolves.toBe('third');
    expect([limiter.active, limiter.queued]).toEqual([0, 0]);
  });

  it('tells when no job runs or waits any more, or that the time ran out', async () => {
    const limiter = new JobLimiter(1, 1);
    expect(await limiter.idle(0)).toBe(true);
    let finish = () => {};
    const running = limiter.run(() => new Promise<void>((resolve) => (finish = resolve)));
    const queued = limiter.run(async () => {});
    expect(await limiter.idle(30)).toBe(false);
    const idle = limiter.idle(5_000);
    finish();
    await Promise.all([running, queued]);
    expect(await idle).toBe(true);
  });
});
