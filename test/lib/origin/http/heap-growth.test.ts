import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { heapGrowthUnderLoad, TIGHT_GROWTH, V8_OWN_GROWTH } from '../../../../src/lib/origin/http/heap-growth.js';

// Full collections in a process whose array buffers of 2 MiB live for ten rounds of young
// garbage, as a cold rendition's moov and index do; `flags` set at run time one after the other,
// as serve sets them (the last from the second round on).
function fullCollections(flags: readonly string[]): number {
  const script = `
    const v8 = require('node:v8');
    const { PerformanceObserver, constants } = require('node:perf_hooks');
    const flags = process.argv.slice(1);
    let full = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
    }).observe({ entryTypes: ['gc'] });
    (async () => {
      const live = [];
      for (let i = 0; i < 300; i++) {
        if (i < flags.length) v8.setFlagsFromString(flags[i]);
        live.push([new Uint8Array(2 << 20).fill(1), Array.from({ length: 20000 }, (_, j) => ({ i, j }))]);
        if (live.length > 10) live.shift();
        await new Promise((resolve) => setImmediate(resolve));
      }
      setTimeout(() => console.log(full), 50);
    })();`;
  const args = ['--max-semi-space-size=4', '-e', script, ...flags];
  return Number(execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 }).trim());
}

describe('heapGrowthUnderLoad', () => {
  it('sets the tight growth when a second rendition starts and V8’s own when one is left, once each', () => {
    const set: string[] = [];
    const told = heapGrowthUnderLoad([], (flags) => set.push(flags))!;
    for (const running of [1, 2, 3, 2, 1, 0, 1]) told(running);
    expect(set).toEqual([TIGHT_GROWTH, V8_OWN_GROWTH]);
    told(2);
    expect(set).toEqual([TIGHT_GROWTH, V8_OWN_GROWTH, TIGHT_GROWTH]);
  });

  it('leaves a growth given on node’s command line to the operator', () => {
    expect(heapGrowthUnderLoad(['--heap-growing-percent=0'])).toBeNull();
    expect(heapGrowthUnderLoad(['--inspect', '--heap_growing_percent=300'])).toBeNull();
    expect(heapGrowthUnderLoad(['--max-semi-space-size=4'])).not.toBeNull();
  });

  it('the tight growth collects dying buffers more often than V8 alone, and V8’s own growth undoes it', () => {
    const alone = fullCollections([]);
    const tight = fullCollections([TIGHT_GROWTH]);
    const undone = fullCollections([TIGHT_GROWTH, V8_OWN_GROWTH]);
    expect(alone).toBeGreaterThan(0);
    expect(tight).toBeGreaterThanOrEqual(alone * 1.5);
    expect(undone).toBeLessThan(tight / 1.5);
  });
});
