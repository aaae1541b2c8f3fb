import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_STALE_MS, lockIsStale, processAlive, readLockOwner, tryLock } from '../../../src/lib/cache/lock.js';
import { tempDir } from '../../helpers/temp-dir.js';

const DEAD_PID = 2 ** 22 + 12345;

describe('file lock', () => {
  it('records its owner, refuses a second taker while held, and is gone once released', async () => {
    const file = path.join(tempDir(), 'locks', 'k.lock');
    const lock = await tryLock(file, 'x.mp4');
    expect(lock).not.toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      pid: process.pid,
      host: os.hostname(),
      startedAt: expect.any(Number),
      what: 'x.mp4',
    });
    expect(await tryLock(file, 'x.mp4')).toBeNull();
    await lock!.release();
    expect(await readLockOwner(file)).toBeNull();
    const again = await tryLock(file, 'x.mp4');
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('makes its directory, and makes it again when it was removed since, leaving only the lock in it', async () => {
    const dir = path.join(tempDir(), 'locks');
    const first = await tryLock(path.join(dir, 'a.lock'), 'a.mp4');
    expect(readdirSync(dir)).toEqual(['a.lock']); // the side file it was written in is gone
    await first!.release();
    await first!.release(); // twice: nothing to remove, no error
    rmSync(dir, { recursive: true });
    const second = await tryLock(path.join(dir, 'b.lock'), 'b.mp4');
    expect(second).not.toBeNull();
    expect(readdirSync(dir)).toEqual(['b.lock']);
    await second!.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over a lock whose owner died on this host', async () => {
    const file = path.join(tempDir(), 'k.lock');
    writeFileSync(file, JSON.stringify({ pid: DEAD_PID, host: os.hostname(), startedAt: 0, what: 'x.mp4' }));
    const lock = await tryLock(file, 'x.mp4');
    expect(lock).not.toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await lock!.release();
  });

  it('takes over a lock from another host only once it stops being heartbeaten', async () => {
    const file = path.join(tempDir(), 'k.lock');
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere.example', startedAt: 0, what: 'x.mp4' }));
    expect(await tryLock(file, 'x.mp4')).toBeNull();
    const old = new Date(Date.now() - LOCK_STALE_MS - 1000);
    utimesSync(file, old, old);
    const lock = await tryLock(file, 'x.mp4');
    expect(lock).not.toBeNull();
    await lock!.release();
  });

  it('judges a garbage lock by its age alone', () => {
    const now = Date.now();
    expect(lockIsStale({ owner: null, mtimeMs: now - 1000 }, now)).toBe(false);
    expect(lockIsStale({ owner: null, mtimeMs: now - LOCK_STALE_MS - 1 }, now)).toBe(true);
  });

  it('knows live and dead processes', async () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(DEAD_PID)).toBe(false);
    const child = spawn('sleep', ['5']);
    expect(processAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(processAlive(child.pid!)).toBe(false);
  });
});
