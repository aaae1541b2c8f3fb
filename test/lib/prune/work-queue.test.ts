import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../src/lib/prune/work-queue.js';

describe('WorkQueue', () => {
  it('runs at most `limit` at once and drains when all have finished', async () => {
    let running = 0;
    let peak = 0;
    const finished: number[] = [];
    const queue = new WorkQueue<number>(3, (n, done) => {
      running++;
      peak = Math.max(peak, running);
      setTimeout(() => {
        running--;
        finished.push(n);
        done();
      }, n % 4);
    });
    for (let i = 0; i < 50; i++) queue.push(i);
    await queue.drain();
    expect(peak).toBe(3);
    expect(finished.sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
  });

  it('survives 100,000 items that finish synchronously (no recursion) and drains at once when empty', async () => {
    let count = 0;
    const queue = new WorkQueue<number>(8, (_n, done) => {
      count++;
      done();
      done(); // a second call is ignored
    });
    await queue.drain();
    for (let i = 0; i < 100_000; i++) queue.push(i);
    await queue.drain();
    expect(count).toBe(100_000);
  });

  it('accepts more work after a drain', async () => {
    const seen: number[] = [];
    const queue = new WorkQueue<number>(2, (n, done) => setImmediate(() => (seen.push(n), done())));
    queue.push(1);
    await queue.drain();
    queue.push(2);
    queue.push(3);
    await queue.drain();
    expect(seen).toEqual([1, 2, 3]);
  });
});
