// Removes packaging leftovers at start-up: abandoned run directories (cache/abandoned.ts: owner
// dead on this host, or older than maxAgeMs on any host), stale locks, and the .trash directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isAbandoned } from './abandoned.js';
import { parseLockName, parseTempRunName, type CacheLayout } from './names.js';
import { lockIsStale, ownerDead, readLockOwner } from './lock.js';

export async function sweepTemp(layout: CacheLayout, maxAgeMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  const names = await fs.readdir(layout.tmpDir()).catch(() => [] as string[]);
  for (const name of names) {
    const run = parseTempRunName(name);
    if (!run) continue;
    const dir = path.join(layout.tmpDir(), name);
    const stat = await fs.lstat(dir).catch(() => null);
    if (!stat?.isDirectory()) continue;
    if (isAbandoned(ownerDead(run), stat.mtimeMs, now, maxAgeMs)) {
      await fs.rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  await fs.rm(layout.trashDir(), { recursive: true, force: true });
  for (const name of await fs.readdir(layout.locksDir()).catch(() => [] as string[])) {
    if (parseLockName(name) === null) continue;
    const file = path.join(layout.locksDir(), name);
    const found = await readLockOwner(file);
    // A stale lock only saves duplicate work once taken over; removing it cannot break a rendition.
    if (found !== null && lockIsStale(found, now)) await fs.rm(file, { force: true });
  }
  return removed;
}
