// Removes packaging leftovers: temporary directories of runs that died (their process is gone
// on this host) or that are older than maxAgeMs (any host), lock files of owners that died
// (stale locks), and the .trash directory.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CacheLayout } from '../cache/layout.js';
import { LOCK_NAME, TEMP_RUN_NAME } from '../prune/cache-names.js';
import { lockIsStale, processAlive, readLockOwner } from './file-lock.js';

export async function sweepTemp(layout: CacheLayout, maxAgeMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  const names = await fs.readdir(layout.tmpDir()).catch(() => [] as string[]);
  for (const name of names) {
    const match = TEMP_RUN_NAME.exec(name);
    if (!match) continue;
    const dir = path.join(layout.tmpDir(), name);
    const stat = await fs.lstat(dir).catch(() => null);
    if (!stat?.isDirectory()) continue;
    const dead = match[2] === os.hostname() && !processAlive(Number(match[3]));
    if (dead || now - stat.mtimeMs > maxAgeMs) {
      await fs.rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  await fs.rm(layout.trashDir(), { recursive: true, force: true });
  for (const name of await fs.readdir(layout.locksDir()).catch(() => [] as string[])) {
    if (!LOCK_NAME.test(name)) continue;
    const file = path.join(layout.locksDir(), name);
    const found = await readLockOwner(file);
    // A stale lock only saves duplicate work once taken over; removing it cannot break a rendition.
    if (found !== null && lockIsStale(found, now)) await fs.rm(file, { force: true });
  }
  return removed;
}
