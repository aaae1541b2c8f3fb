// A full garbage collection after packaging work that let go of many array buffers. V8 collects
// the old generation for external memory only once it has grown some 64 MiB since its last full
// collection; the moov, sample tables, index and segment of a cold 2-hour playlist (20–25 MB)
// outlive a few young-generation collections while it is made, so they die old, and a burst of
// cold films held up to 64 MiB of dead buffers on an origin never quiet enough for the idle
// collection (idle-collection.ts). Collecting once external memory has grown `growthBytes` past
// its level after the last collection keeps that near one film's worth. Figures and cost:
// docs/reliability.md (promise 10), docs/benchmarks.md "Memory right after a burst of cold playlists".
import v8 from 'node:v8';
import { collector } from './idle-collection.js';

const GROWTH_BYTES = 16 * 2 ** 20;

interface PressureCollection {
  /** Packaging work ended: collect soon if external memory grew past the bound since the last collection. */
  afterWork(): void;
  /** Collections run so far (for tests). */
  readonly runs: number;
}

export function pressureCollection(
  options: { growthBytes?: number; collect?: () => void; external?: () => number } = {},
): PressureCollection {
  const growthBytes = options.growthBytes ?? GROWTH_BYTES;
  const external = options.external ?? (() => v8.getHeapStatistics().external_memory);
  const collect = options.collect ?? collector();
  // The level after the last collection, read at the next work's end: V8 frees the buffers a
  // collection found dead on another thread, after it returns.
  let base: number | undefined;
  let pending = false;
  let runs = 0;
  return {
    afterWork() {
      const now = external();
      if (base === undefined || now < base) base = now; // the first reading, or V8 collected meanwhile
      if (!collect || pending || now - base < growthBytes) return;
      pending = true;
      // After the turn that ended the work: the work's own references are gone by then.
      setImmediate(() => {
        pending = false;
        runs++;
        collect();
        base = undefined;
      });
    },
    get runs() {
      return runs;
    },
  };
}
