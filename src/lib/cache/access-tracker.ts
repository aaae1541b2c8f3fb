// Records when a cached file was last served by moving its mtime forward, at most once per
// interval per file. atime cannot be trusted (relatime, noatime), and prune reads mtime.
import { promises as fs } from 'node:fs';
import { boundedCache } from '../shared/bounded-cache.js';

export interface AccessTracker {
  touch(file: string): void;
}

const MAX_REMEMBERED = 200_000;

export function createAccessTracker(intervalMs = 60_000, now: () => number = Date.now): AccessTracker {
  const touched = boundedCache<string, number>({ max: MAX_REMEMBERED });
  return {
    touch(file) {
      const time = now();
      const last = touched.get(file);
      if (last !== undefined && time - last < intervalMs) return;
      touched.set(file, time);
      const date = new Date(time);
      fs.utimes(file, date, date).catch(() => {
        touched.delete(file); // gone (pruned) or read-only: try again next time
      });
    },
  };
}
