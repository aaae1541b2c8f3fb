// `casterpak serve` as operators run it: a child process of bin/casterpak.js (the built dist/),
// on 127.0.0.1 with an ephemeral port read from its "listening" log line.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_DIR, type Resources } from './resources.js';

const BIN = path.join(REPO_DIR, 'bin/casterpak.js');
const START_LIMIT_MS = 20_000;
const STOP_LIMIT_MS = 10_000;

export interface ServeOptions {
  readonly cacheDir: string;
  readonly sourceRoot?: string;
  readonly publishedRoot?: string;
  readonly segmentDuration?: number;
  readonly args?: readonly string[];
}

export interface ServeProcess {
  readonly url: string;
  readonly port: number;
  readonly cacheDir: string;
  readonly child: ChildProcess;
  // Everything the process logged so far (JSON lines), for assertions and failure messages.
  logs(): string;
  metrics(): Promise<string>;
  // SIGTERM, then SIGKILL if it has not exited in time; resolves with the exit code.
  stop(): Promise<number | null>;
}

// Children still running when the test process exits are killed, whatever happened to the test.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', limitMs = STOP_LIMIT_MS): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

export async function startServe(res: Resources, options: ServeOptions): Promise<ServeProcess> {
  const args = [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--cache-dir', options.cacheDir, '--log-level', 'info'];
  if (options.sourceRoot) args.push('--source-root', options.sourceRoot);
  if (options.publishedRoot) args.push('--published-root', options.publishedRoot);
  args.push('--segment-duration', String(options.segmentDuration ?? 4), ...(options.args ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  trackChild(child);
  let output = '';
  const waiters = new Set<() => void>();
  // The logger writes to stderr; both streams are kept, in arrival order.
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      for (const waiter of waiters) waiter();
    });
  }
  const stop = () => stopChild(child);
  res.add(`serve ${child.pid}`, stop);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in ${START_LIMIT_MS} ms:\n${output}`)), START_LIMIT_MS);
    const onData = () => {
      const match = /"msg":"listening"[^}]*"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        waiters.delete(onData);
        resolve(match[1]);
      }
    };
    waiters.add(onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    cacheDir: options.cacheDir,
    child,
    logs: () => output,
    metrics: async () => (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text(),
    stop,
  };
}

// The sum of a Prometheus counter's samples whose labels include `labels`.
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}
