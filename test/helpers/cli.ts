// Runs the built CLI (bin/casterpak.js → dist/) as a child process, the way users run it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_DIR } from './bento4.js';

const CASTERPAK_BIN = path.join(REPO_DIR, 'bin/casterpak.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
}

// Environment without the caller's CASTERPAK_* settings, so only what a test sets applies.
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('CASTERPAK_') && !key.startsWith('FAKE_MP42HLS_')) env[key] = value;
  return { ...env, ...extra };
}

export function startCli(args: readonly string[], options: CliOptions): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CASTERPAK_BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.end(options.stdin ?? '');
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}
