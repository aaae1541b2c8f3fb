// Runs `casterpak serve` (the built CLI) as a child process on 127.0.0.1:0, the way an operator
// does, so a crash, an unhandled rejection or a killed worker is seen from outside. Killed with
// its whole process group when the test finishes.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { REPO_DIR } from './bento4.js';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pid: number;
  /** everything written to stderr so far (JSON log lines) */
  stderr(): string;
  /** pids of the node:cluster workers (children of this process running node) */
  workers(): number[];
  stop(): Promise<number | null>;
}

const CASTERPAK_BIN = path.join(REPO_DIR, 'bin/casterpak.js');

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

export function childPids(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => parentOf(pid) === parent);
}

export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

// `wrapper`: a command that runs node, e.g. ['strace', '-f', '-o', log].
export function startServe(
  args: readonly string[],
  env: Record<string, string> = {},
  startTimeoutMs = 20_000,
  wrapper: readonly string[] = [],
): Promise<ServeProcess> {
  const command = [...wrapper, process.execPath, CASTERPAK_BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args];
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group: the cleanup below reaches workers and tools too
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  const self: Omit<ServeProcess, 'url'> = {
    child,
    pid: child.pid!,
    stderr: () => log,
    workers: () => childPids(child.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node')),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), startTimeoutMs);
    const onData = () => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(log);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve({ ...self, url: match[1] });
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${log}`));
    });
  });
}

// Resolves once `predicate` holds (polled), or rejects after timeoutMs.
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
