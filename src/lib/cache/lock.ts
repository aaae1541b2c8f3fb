// A cross-process lock file that records its owner, so a second process (or host on shared
// storage) waits instead of packaging the same rendition again. It only saves duplicate work:
// publication is an atomic rename, so a lost or stolen lock can never break a file.
import { promises as fs, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAbandoned } from './abandoned.js';
import { asideLockName, atomicTempName } from './names.js';
import { unlinkIfThere } from '../shared/file-io.js';

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  readonly what: string;
}

interface HeldLock {
  readonly file: string;
  release(): Promise<void>;
}

const HEARTBEAT_MS = 5_000;
export const LOCK_STALE_MS = 30_000;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return null; // garbage: judged by its age alone
  }
}

export async function readLockOwner(file: string): Promise<{ owner: LockOwner | null; mtimeMs: number } | null> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    return { owner: parseOwner(text), mtimeMs: stat.mtimeMs };
  } catch {
    return null;
  }
}

// True while a live owner holds the lock at `file`, judged as lockIsStale judges (prune's
// deleter asks this synchronously, once per rendition, just before it deletes).
export function lockHeldSync(file: string, now: number): boolean {
  try {
    const mtimeMs = statSync(file).mtimeMs;
    return !lockIsStale({ owner: parseOwner(readFileSync(file, 'utf8')), mtimeMs }, now);
  } catch {
    return false; // no lock
  }
}

// True when `owner` ran on this host and its process is gone (another host cannot be asked).
export function ownerDead(owner: { readonly host: string; readonly pid: number } | null): boolean {
  return owner !== null && owner.host === os.hostname() && !processAlive(owner.pid);
}

// Stale: its owner died on this host, or it has not been heartbeaten for LOCK_STALE_MS.
export function lockIsStale(found: { owner: LockOwner | null; mtimeMs: number }, now: number): boolean {
  return isAbandoned(ownerDead(found.owner), found.mtimeMs, now, LOCK_STALE_MS);
}

// Creates `file` with `text` in it, or fails with EEXIST: written beside it first, then
// hard-linked into place (atomic, also on NFS), so the lock file is never seen empty. An empty
// lock, left by a process killed between open and write, has no owner to check and would hold
// every other process off until LOCK_STALE_MS. The side file's name is one prune sweeps.
async function createWritten(file: string, text: string): Promise<void> {
  const side = path.join(path.dirname(file), atomicTempName(path.basename(file), process.pid, randomBytes(4).toString('hex')));
  try {
    await fs.writeFile(side, text, { flag: 'wx' });
    await fs.link(side, file);
  } finally {
    await unlinkIfThere(side);
  }
}

// Takes the lock, or returns null when a live owner holds it. A stale lock is taken over by
// renaming it away first, so two processes cannot both break the same stale lock.
export async function tryLock(file: string, what: string): Promise<HeldLock | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: Date.now(), what };
    try {
      // Its directory is made when the lock finds it missing (the first lock, or removed since by
      // prune or an operator), not before every lock: a segment made takes a lock.
      await createWritten(file, JSON.stringify(owner)).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        await fs.mkdir(path.dirname(file), { recursive: true });
        await createWritten(file, JSON.stringify(owner));
      });
      const timer = setInterval(() => {
        const now = new Date();
        fs.utimes(file, now, now).catch(() => {});
      }, HEARTBEAT_MS);
      timer.unref();
      return {
        file,
        release: async () => {
          clearInterval(timer);
          await unlinkIfThere(file);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await readLockOwner(file);
    if (found === null) continue; // released meanwhile
    if (!lockIsStale(found, Date.now())) return null;
    const aside = path.join(path.dirname(file), asideLockName(path.basename(file), randomBytes(4).toString('hex')));
    try {
      await fs.rename(file, aside);
      await fs.rm(aside, { force: true });
    } catch {
      // someone else took it over first
    }
  }
  return null;
}
