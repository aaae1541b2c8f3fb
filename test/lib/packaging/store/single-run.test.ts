// One run per key: callers in one process share it, another process's lock is waited on, and a
// failure is remembered (in memory and in the key's `.failed` marker) for failureTtlMs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheLayout, type CacheLayout } from '../../../../src/lib/cache/names.js';
import { SingleRun, type SingleRunOptions } from '../../../../src/lib/packaging/store/single-run.js';
import { CasterpakError } from '../../../../src/lib/shared/errors.js';
import { tempDir } from '../../../helpers/temp-dir.js';

function runner(overrides: Partial<SingleRunOptions> = {}) {
  const layout = overrides.layout ?? cacheLayout(tempDir('casterpak-cache-'));
  mkdirSync(layout.renditionDir('x'), { recursive: true });
  return { layout, runs: new SingleRun({ layout, failureTtlMs: 0, maxWaitMs: 5_000, pollMs: 10, ...overrides }) };
}

// A lock file held by a live process (a `sleep` child) on this host.
function holdLock(layout: CacheLayout, key: string) {
  const holder = spawn('sleep', ['30']);
  const file = layout.lockFile(key);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ pid: holder.pid, host: os.hostname(), startedAt: Date.now(), what: key }));
  return { file, stop: () => holder.kill('SIGKILL') };
}

describe('SingleRun', () => {
  it('runs the work once for concurrent callers of one key; the others wait for it', async () => {
    const { runs, layout } = runner();
    let calls = 0;
    const wanted = path.join(layout.renditionDir('x'), 'made');
    const work = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      writeFileSync(wanted, 'done');
    };
    const statuses = await Promise.all(Array.from({ length: 5 }, () => runs.run('x', 'x', wanted, work)));
    expect(calls).toBe(1);
    expect(statuses.filter((s) => s === 'MISS')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'WAIT')).toHaveLength(4);
    expect(existsSync(layout.lockFile('x'))).toBe(false); // released
  });

  it("looks for another process's result soon at first, not only every pollMs", async () => {
    const { runs, layout } = runner({ pollMs: 20_000 });
    const lock = holdLock(layout, 'x');
    const wanted = path.join(layout.renditionDir('x'), 'made');
    setTimeout(() => {
      writeFileSync(wanted, 'done');
      lock.stop();
    }, 50);
    const started = Date.now();
    expect(await runs.run('x', 'x', wanted, async () => {})).toBe('WAIT');
    expect(Date.now() - started).toBeLessThan(5_000); // one pollMs would be 20 s
  });

  it('does not run when the wanted file is there once the lock is taken', async () => {
    const { runs, layout } = runner();
    const wanted = path.join(layout.renditionDir('x'), 'made');
    writeFileSync(wanted, 'earlier');
    let calls = 0;
    expect(await runs.run('x', 'x', wanted, async () => void calls++)).toBe('HIT');
    expect(calls).toBe(0);
    expect(await runs.run('x', 'x', null, async () => void calls++)).toBe('MISS'); // null: always runs
    expect(calls).toBe(1);
  });

  it('remembers a failure for failureTtlMs, in memory and for another process through the marker', async () => {
    const { runs, layout } = runner({ failureTtlMs: 60_000 });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new CasterpakError('BAD_MEDIA', 'x: corrupt');
    };
    const wanted = path.join(layout.renditionDir('x'), 'made');
    await expect(runs.run('x', 'x', wanted, failing)).rejects.toMatchObject({ code: 'BAD_MEDIA' });
    await expect(runs.run('x', 'x', wanted, failing)).rejects.toMatchObject({ code: 'BAD_MEDIA', message: 'x: corrupt' });
    expect(calls).toBe(1);
    expect(JSON.parse(readFileSync(layout.failedFile('x'), 'utf8'))).toMatchObject({ code: 'BAD_MEDIA', message: 'x: corrupt' });
    const other = runner({ layout, failureTtlMs: 60_000 });
    await expect(other.runs.run('x', 'x', wanted, failing)).rejects.toMatchObject({ code: 'BAD_MEDIA' });
    expect(calls).toBe(1);
  });

  it('tries again once the failure has expired, and a success clears the marker', async () => {
    const { runs, layout } = runner({ failureTtlMs: 30 });
    await expect(
      runs.run('x', 'x', null, async () => {
        throw new CasterpakError('BAD_MEDIA', 'x: corrupt');
      }),
    ).rejects.toMatchObject({ code: 'BAD_MEDIA' });
    expect(existsSync(layout.failedFile('x'))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await runs.run('x', 'x', null, async () => {})).toBe('MISS');
    expect(existsSync(layout.failedFile('x'))).toBe(false);
  });

  it.each(['OVERLOADED', 'CANCELLED', 'NO_SPACE'] as const)('does not remember %s: it says nothing about the source', async (code) => {
    const { runs, layout } = runner({ failureTtlMs: 60_000 });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new CasterpakError(code, 'transient');
    };
    await expect(runs.run('x', 'x', null, failing)).rejects.toMatchObject({ code });
    await expect(runs.run('x', 'x', null, failing)).rejects.toMatchObject({ code });
    expect(calls).toBe(2);
    expect(existsSync(layout.failedFile('x'))).toBe(false);
  });

  it("waits on another process's lock and answers WAIT when the wanted file appears", async () => {
    const { runs, layout } = runner();
    const lock = holdLock(layout, 'x');
    try {
      const wanted = path.join(layout.renditionDir('x'), 'made');
      let calls = 0;
      const pending = runs.run('x', 'x', wanted, async () => void calls++);
      await new Promise((resolve) => setTimeout(resolve, 100));
      writeFileSync(wanted, 'by the other process');
      expect(await pending).toBe('WAIT');
      expect(calls).toBe(0);
    } finally {
      lock.stop();
    }
  });

  it('gives up with TIMEOUT after maxWaitMs behind a live holder', async () => {
    const { runs, layout } = runner({ maxWaitMs: 150 });
    const lock = holdLock(layout, 'x');
    try {
      const started = Date.now();
      await expect(runs.run('x', 'x', path.join(layout.renditionDir('x'), 'made'), async () => {})).rejects.toMatchObject({
        code: 'TIMEOUT',
      });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      lock.stop();
    }
  });

  it('stops waiting with CANCELLED when its signal is aborted', async () => {
    const controller = new AbortController();
    const { runs, layout } = runner({ signal: controller.signal });
    const lock = holdLock(layout, 'x');
    try {
      const pending = runs.run('x', 'x', path.join(layout.renditionDir('x'), 'made'), async () => {});
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      lock.stop();
    }
  });
});
