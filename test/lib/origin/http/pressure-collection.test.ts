import { describe, expect, it } from 'vitest';
import { pressureCollection } from '../../../../src/lib/origin/http/pressure-collection.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));
const MiB = 2 ** 20;

// External memory as the test sets it, and the collections run.
function counted(growthBytes: number) {
  const state = { external: 10 * MiB, collected: 0 };
  const pressure = pressureCollection({ growthBytes, external: () => state.external, collect: () => state.collected++ });
  return { state, pressure };
}

describe('pressure collection', () => {
  it('collects after work once external memory grew by the bound since the level it knew, not before', async () => {
    const { state, pressure } = counted(16 * MiB);
    pressure.afterWork(); // the first reading: 10 MiB
    state.external = 25 * MiB;
    pressure.afterWork();
    await turn();
    expect(state.collected).toBe(0); // 15 MiB more: below the bound
    state.external = 26 * MiB;
    pressure.afterWork();
    expect(state.collected).toBe(0); // not within the work's own turn
    await turn();
    expect(state.collected).toBe(1);
    expect(pressure.runs).toBe(1);
  });

  it('counts from the level read after a collection, and from a lower one V8 reached by itself', async () => {
    const { state, pressure } = counted(16 * MiB);
    pressure.afterWork();
    state.external = 30 * MiB;
    pressure.afterWork();
    await turn();
    expect(state.collected).toBe(1);
    state.external = 40 * MiB; // the next reading after the collection is the new level
    pressure.afterWork();
    await turn();
    expect(state.collected).toBe(1);
    state.external = 20 * MiB; // V8 collected meanwhile
    pressure.afterWork();
    state.external = 37 * MiB; // 17 MiB above 20, though below 40 + 16
    pressure.afterWork();
    await turn();
    expect(state.collected).toBe(2);
  });

  it('runs one collection for work that ends in the same turn', async () => {
    const { state, pressure } = counted(1 * MiB);
    pressure.afterWork();
    state.external = 50 * MiB;
    for (let i = 0; i < 5; i++) pressure.afterWork();
    await turn();
    expect(state.collected).toBe(1);
  });
});
