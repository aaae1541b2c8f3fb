import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepTemp } from '../../../src/lib/cache/temp-sweep.js';
import { cacheLayout } from '../../../src/lib/cache/names.js';
import { tempDir } from '../../helpers/temp-dir.js';

const KEY = 'a'.repeat(20);
const DEAD_PID = 2 ** 22 + 12345; // above the default pid_max: no such process

describe('sweepTemp', () => {
  it('removes run directories of dead processes on this host and keeps live ones', async () => {
    const layout = cacheLayout(tempDir());
    const dead = path.join(layout.tmpDir(), `${KEY}.${os.hostname()}.${DEAD_PID}.0123abcd`);
    const live = path.join(layout.tmpDir(), `${KEY}.${os.hostname()}.${process.pid}.0123abcd`);
    const otherHost = path.join(layout.tmpDir(), `${KEY}.other-host.example.${DEAD_PID}.0123abcd`);
    const notOurs = path.join(layout.tmpDir(), 'something-else');
    for (const dir of [dead, live, otherHost, notOurs]) mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dead, 'raw-0.ts'), 'partial');
    expect(await sweepTemp(layout, 60_000)).toBe(1);
    expect([dead, live, otherHost, notOurs].map(existsSync)).toEqual([false, true, true, true]);
  });

  it('removes run directories older than maxAgeMs from any host', async () => {
    const layout = cacheLayout(tempDir());
    const old = path.join(layout.tmpDir(), `${KEY}.other-host.${process.pid}.0123abcd`);
    mkdirSync(old, { recursive: true });
    const past = new Date(Date.now() - 120_000);
    utimesSync(old, past, past);
    expect(await sweepTemp(layout, 60_000)).toBe(1);
    expect(existsSync(old)).toBe(false);
  });

  it('empties .trash', async () => {
    const layout = cacheLayout(tempDir());
    mkdirSync(path.join(layout.trashDir(), 'x.mp4.abc'), { recursive: true });
    writeFileSync(path.join(layout.trashDir(), 'x.mp4.abc', 'segment1_0_av.ts'), 'old');
    await sweepTemp(layout, 60_000);
    expect(existsSync(layout.trashDir())).toBe(false);
  });

  it('removes lock files whose owner died and keeps held ones', async () => {
    const layout = cacheLayout(tempDir());
    mkdirSync(layout.locksDir(), { recursive: true });
    const stale = layout.lockFile('b'.repeat(20));
    const held = layout.lockFile('c'.repeat(20));
    writeFileSync(stale, JSON.stringify({ pid: DEAD_PID, host: os.hostname(), startedAt: Date.now(), what: 'x.mp4' }));
    writeFileSync(held, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: Date.now(), what: 'y.mp4' }));
    await sweepTemp(layout, 60_000);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(held)).toBe(true);
  });

  it('does nothing on a cache without bookkeeping directories', async () => {
    expect(await sweepTemp(cacheLayout(tempDir()), 60_000)).toBe(0);
  });
});
