import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool } from '../../../src/lib/shared/run-tool.js';
import { ToolError } from '../../../src/lib/shared/errors.js';
import { processExists, processRunning, readPids } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';

const script = (dir: string, name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
};

const toolError = async (promise: Promise<unknown>): Promise<ToolError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    return error as ToolError;
  }
  throw new Error('expected a ToolError');
};

describe('runTool', () => {
  it('returns stdout and stderr of a successful run, passing arguments without a shell', async () => {
    const dir = tempDir();
    const echo = script(dir, 'echo-args', 'for a in "$@"; do echo "[$a]"; done; echo warn >&2');
    const result = await runTool(echo, ['a b', '$(touch pwned)', ';'], { timeoutMs: 5000 });
    expect(result.stdout).toBe('[a b]\n[$(touch pwned)]\n[;]');
    expect(result.stderr).toBe('warn');
  });

  it('keeps the exit code and the tail of stderr', async () => {
    const dir = tempDir();
    const fail = script(dir, 'fail', 'for i in 1 2 3 4 5 6 7; do echo "line $i" >&2; done; exit 3');
    const error = await toolError(runTool(fail, [], { timeoutMs: 5000 }));
    expect(error.code).toBe('TOOL');
    expect(error.exitCode).toBe(3);
    expect(error.stderrTail).toBe('line 3 | line 4 | line 5 | line 6 | line 7');
    expect(error.message).toBe('fail exited with code 3: line 3 | line 4 | line 5 | line 6 | line 7');
  });

  it('reports death by signal', async () => {
    const dir = tempDir();
    const crash = script(dir, 'crash', 'echo dying >&2; kill -SEGV $$');
    const error = await toolError(runTool(crash, [], { timeoutMs: 5000 }));
    expect(error.code).toBe('TOOL');
    expect(error.signal).toBe('SIGSEGV');
    expect(error.message).toMatch(/^crash was killed by SIGSEGV: dying$/);
  });

  it('reports a program that cannot start', async () => {
    const error = await toolError(runTool('/nonexistent/mp42hls', [], { timeoutMs: 5000 }));
    expect(error.code).toBe('TOOL');
    expect(error.message).toMatch(/mp42hls could not start/);
  });

  it('kills a run past its time limit, children included, within a second of the limit', async () => {
    const dir = tempDir();
    const pids = path.join(dir, 'pids');
    const hang = script(dir, 'hang', `echo $$ >> ${pids}; sleep 30 & echo $! >> ${pids}; wait`);
    const started = Date.now();
    const error = await toolError(runTool(hang, [], { timeoutMs: 500 }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe('hang ran past its time limit of 500 ms and was killed');
    const [shell, child] = readPids(pids);
    expect(processExists(shell)).toBe(false); // reaped, not a zombie
    await expect.poll(() => processRunning(child), { timeout: 1000 }).toBe(false);
  });

  it('kills the run, children included, when the signal aborts', async () => {
    const dir = tempDir();
    const pids = path.join(dir, 'pids');
    const hang = script(dir, 'hang', `echo $$ >> ${pids}; sleep 30 & echo $! >> ${pids}; wait`);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const error = await toolError(runTool(hang, [], { timeoutMs: 60_000, signal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.code).toBe('CANCELLED');
    const [shell, child] = readPids(pids);
    expect(processExists(shell)).toBe(false);
    await expect.poll(() => processRunning(child), { timeout: 1000 }).toBe(false);
  });

  it('keeps stdout as bytes, every one, with room after them in its own buffer', async () => {
    const dir = tempDir();
    const source = path.join(dir, 'bytes');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 251;
    writeFileSync(source, bytes);
    const cat = script(dir, 'cat', `cat "$1"; echo done >&2`);
    // No size expected, one too small (the buffer grows as chunks come), exact, too large; a
    // limit at the size, or above it.
    const cases: [number | undefined, number][] = [
      [undefined, bytes.length],
      [1000, bytes.length],
      [bytes.length, bytes.length],
      [2 * bytes.length, 4 * bytes.length],
    ];
    for (const [expected, max] of cases) {
      const result = await runTool(cat, [source], { timeoutMs: 5000, bytes: { max, room: 1000, expect: expected } });
      expect(Buffer.compare(result.stdout, bytes)).toBe(0);
      expect(result.stdout.buffer.byteLength - result.stdout.byteOffset).toBeGreaterThanOrEqual(bytes.length + 1000);
      expect(result.stderr).toBe('done');
    }
  });

  it('kills a run, children included, that writes more bytes than allowed to stdout', async () => {
    const dir = tempDir();
    const pids = path.join(dir, 'pids');
    const flood = script(dir, 'flood', `echo $$ >> ${pids}; cat /dev/zero & echo $! >> ${pids}; wait`);
    const error = await toolError(runTool(flood, [], { timeoutMs: 10_000, bytes: { max: 1_000_000, room: 0 } }));
    expect(error.code).toBe('TOOL');
    expect(error.message).toBe('flood wrote more than 1000000 bytes to stdout and was killed');
    const [shell, child] = readPids(pids);
    await expect.poll(() => processRunning(shell) || processRunning(child), { timeout: 1000 }).toBe(false);
  });
});
