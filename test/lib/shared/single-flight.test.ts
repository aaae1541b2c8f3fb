import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../../src/lib/shared/single-flight.js';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('SingleFlight', () => {
  it('shares one run among the callers that ask while it runs', async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    let runs = 0;
    const work = () => (runs++, gate.promise);
    const calls = [flights.run('k', work), flights.run('k', work), flights.run('k', work)];
    expect(flights.current('k')).toBe(calls[0]);
    gate.resolve(7);
    expect(await Promise.all(calls)).toEqual([7, 7, 7]);
    expect(runs).toBe(1);
  });

  it('runs different keys separately', async () => {
    const flights = new SingleFlight<string>();
    const results = await Promise.all(['a', 'b'].map((k) => flights.run(k, async () => k)));
    expect(results).toEqual(['a', 'b']);
  });

  it('forgets the key once the run succeeded: the next caller runs again', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    await flights.run('k', async () => ++runs);
    expect(flights.current('k')).toBeUndefined();
    expect(await flights.run('k', async () => ++runs)).toBe(2);
    expect(flights.size).toBe(0);
  });

  it('shares a failure with every waiting caller, then forgets it', async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    const calls = [flights.run('k', () => gate.promise), flights.run('k', () => gate.promise)];
    gate.reject(new Error('boom'));
    for (const call of calls) await expect(call).rejects.toThrow('boom');
    expect(flights.size).toBe(0);
    expect(await flights.run('k', async () => 1)).toBe(1);
  });

  it('turns work that throws before its first await into a rejection, and forgets it', async () => {
    const flights = new SingleFlight<number>();
    const call = flights.run('k', () => {
      throw new Error('at once');
    });
    await expect(call).rejects.toThrow('at once');
    expect(flights.size).toBe(0);
  });
});
