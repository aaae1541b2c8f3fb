// Runs a tool (Bento4's mp42hls and mp4info, ffmpeg): argument arrays only (never a shell), a
// time limit that kills the process, and errors that keep the exit code, signal and the tail of
// stderr.
import path from 'node:path';
import { execa } from 'execa';
import { ToolError } from './errors.js';

interface RunResult<Out = string> {
  readonly stdout: Out;
  readonly stderr: string;
  /** From starting the process to its exit (fork and exec included), milliseconds. */
  readonly ms: number;
}

/** The time a request's tool runs took, added up as they end (the origin's Server-Timing header). */
export interface ToolTiming {
  toolMs: number;
}

const tail = (text: string) => text.trim().split('\n').slice(-5).join(' | ').slice(-600);

// Each run gets its own process group (detached), so a time limit or a cancel kills the tool
// and anything it started: a wrapper script's child would otherwise keep the pipes open and
// execa would wait for it. Groups still running when casterpak exits are killed too.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the whole group is gone already
  }
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => liveGroups.forEach(killGroup));
  }
}

interface RunOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** What the tool writes to stdout, kept as bytes: at most `max`, read into a buffer of its own
 * with `room` bytes after them (for a caller that rewrites it in place), first sized for
 * `expect` bytes. */
interface StdoutBytes {
  readonly max: number;
  readonly room: number;
  readonly expect?: number;
}

const MAX_TEXT = 64 * 1024 * 1024;

// One child process; any failure (exit ≠ 0, signal, time limit, spawn error, more stdout than
// allowed) is a ToolError. Its stdout as text, or as bytes with `bytes` (a segment mp42hls
// writes to stdout, not to a file read back).
export function runTool(file: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
export function runTool(file: string, args: readonly string[], options: RunOptions & { bytes: StdoutBytes }): Promise<RunResult<Buffer>>;
export async function runTool(
  file: string,
  args: readonly string[],
  options: RunOptions & { bytes?: StdoutBytes },
): Promise<RunResult<string | Buffer>> {
  const groups = process.platform !== 'win32';
  const started = performance.now();
  const subprocess = execa(file, args, {
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    cancelSignal: options.signal,
    maxBuffer: MAX_TEXT,
    buffer: { stdout: !options.bytes },
    windowsHide: true,
    detached: groups,
  });
  const pid = subprocess.pid;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => pid !== undefined && killGroup(pid);
  const collected =
    options.bytes &&
    collectBytes(subprocess.stdout, options.bytes, () => {
      subprocess.kill('SIGKILL');
      stop();
    });
  if (groups && pid !== undefined) {
    trackGroup(pid);
    if (options.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, options.timeoutMs);
    }
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
  }
  let result;
  try {
    result = await subprocess;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
    if (pid !== undefined) liveGroups.delete(pid);
  }
  const name = path.basename(file);
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  if (collected?.over)
    throw new ToolError('TOOL', `${name} wrote more than ${options.bytes!.max} bytes to stdout and was killed`, {
      signal: result.signal,
      stderrTail: tail(stderr),
    });
  if (result.timedOut || (timedOut && result.failed)) {
    throw new ToolError('TIMEOUT', `${name} ran past its time limit of ${options.timeoutMs} ms and was killed`, {
      signal: result.signal,
      stderrTail: tail(stderr),
    });
  }
  if (result.isCanceled || (result.failed && options.signal?.aborted))
    throw new ToolError('CANCELLED', `${name} was cancelled`, { signal: result.signal });
  if (result.failed) {
    const how = result.signal
      ? `was killed by ${result.signal}`
      : result.exitCode !== undefined
        ? `exited with code ${result.exitCode}`
        : `could not start (${result.shortMessage})`;
    const why = tail(stderr);
    throw new ToolError('TOOL', `${name} ${how}${why ? `: ${why}` : ''}`, {
      exitCode: result.exitCode,
      signal: result.signal,
      stderrTail: why,
      cause: result.cause,
    });
  }
  return { stdout: collected ? collected.bytes() : stdout, stderr, ms: performance.now() - started };
}

// Each chunk copied into one buffer as it comes, which grows by half when it must; `overflow`
// when more than `max`. A chunk held until the run ends would outlive two of V8's young
// collections and wait for a full one to be freed (docs/benchmarks.md, "Cold path, twelfth
// round"); copied at once, it dies young.
function collectBytes(stream: NodeJS.ReadableStream, { max, room, expect = 0 }: StdoutBytes, overflow: () => void) {
  let out = Buffer.allocUnsafeSlow(Math.min(expect, max) + room);
  let length = 0;
  const state = {
    over: false,
    bytes: (): Buffer => out.subarray(0, length),
  };
  stream.on('data', (chunk: Buffer) => {
    if (state.over) return;
    if (length + chunk.length > max) {
      state.over = true;
      out = Buffer.alloc(0);
      overflow();
      return;
    }
    if (length + chunk.length + room > out.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(max, Math.max(length + chunk.length, Math.ceil(out.length * 1.5))) + room);
      out.copy(grown, 0, 0, length);
      out = grown;
    }
    length += chunk.copy(out, length);
  });
  return state;
}
