// Finds the source MP4 of a rendition: in the local library (inside the source root, after
// resolving symlinks), else in the source cache, else downloaded from the configured upstream
// as `<upstream>/<rendition path>` — the only URL it ever builds.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../shared/errors.js';
import { isInside } from '../../shared/paths.js';
import type { CacheLayout } from '../../cache/names.js';
import { downloadToFile, type DownloadOptions } from './source-download.js';
import { makeTempDir } from '../../cache/temp-run.js';
import { openRemoteSource } from './remote-source.js';
import { openLocalSource, type SourceReader } from './source-reader.js';

interface SourceResolverOptions {
  readonly sourceRoot: string | null;
  readonly upstream: string | null;
  readonly layout: CacheLayout;
  readonly download: { readonly timeoutMs: number; readonly maxBytes: number };
  /** Told once per upstream host that ignores Range (its sources are then downloaded whole). */
  readonly onRangeIgnored?: (host: string) => void;
}

// Finds a rendition's source: `file` gives a local path (a remote one downloaded whole first),
// `open` a reader that fetches only what is asked (ranges of a remote one).
interface SourceResolver {
  file(renditionPath: string, signal?: AbortSignal): Promise<string>;
  open(renditionPath: string, signal?: AbortSignal): Promise<SourceReader>;
}

// The real path of `relative` below `root`, or null when it is missing or escapes the root.
export async function realPathInside(root: string, relative: string): Promise<string | null> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(path.join(root, ...relative.split('/')))]);
    return isInside(realRoot, real) ? real : null;
  } catch {
    return null;
  }
}

// Downloads a rendition's source into the source cache. The partial file lives in a run
// directory of .tmp/, which the temp sweep removes after a kill -9.
export async function downloadSource(
  layout: CacheLayout,
  renditionPath: string,
  url: URL,
  options: Omit<DownloadOptions, 'partDir'>,
): Promise<string> {
  const dest = layout.sourceFile(renditionPath);
  const partDir = await makeTempDir(layout, renditionPath);
  try {
    await downloadToFile(url, dest, { ...options, partDir });
  } finally {
    await fs.rm(partDir, { recursive: true, force: true });
  }
  return dest;
}

// A ranged read (a moov, one segment's span) is something a player waits for: all its attempts
// together stay within download.timeoutMs, and within 30 s whatever that is.
const RANGE_BUDGET_MS = 30_000;
const RANGE_RETRIES = 2;

export function createSourceResolver(options: SourceResolverOptions): SourceResolver {
  // The library's file, else a downloaded copy (`copy`: its mtime records access).
  const local = async (renditionPath: string): Promise<{ file: string; copy: boolean } | null> => {
    if (options.sourceRoot !== null) {
      const file = await realPathInside(options.sourceRoot, renditionPath);
      if (file !== null) return { file, copy: false };
    }
    if (options.upstream === null) throw new CasterpakError('NOT_FOUND', `no source for ${renditionPath}`);
    const cached = options.layout.sourceFile(renditionPath);
    try {
      const now = new Date();
      await fs.utimes(cached, now, now); // a used source copy counts as accessed (prune --what sources)
      return { file: cached, copy: true };
    } catch {
      return null; // not downloaded
    }
  };
  const remoteUrl = (renditionPath: string) => new URL(`${options.upstream}/${renditionPath.split('/').map(encodeURIComponent).join('/')}`);
  const file = async (renditionPath: string, signal?: AbortSignal) =>
    (await local(renditionPath))?.file ??
    downloadSource(options.layout, renditionPath, remoteUrl(renditionPath), { ...options.download, signal });
  const ignoring = new Set<string>();
  return {
    file,
    async open(renditionPath, signal) {
      const found = await local(renditionPath);
      if (found !== null) return openLocalSource(found.file, renditionPath, { mtimeIsAccess: found.copy });
      const url = remoteUrl(renditionPath);
      if (!ignoring.has(url.host)) {
        const timeoutMs = Math.min(options.download.timeoutMs, RANGE_BUDGET_MS) / (RANGE_RETRIES + 1);
        const reader = await openRemoteSource(url, { timeoutMs, retries: RANGE_RETRIES, allowedOrigins: [url.origin], signal });
        if (reader !== null) return reader;
        ignoring.add(url.host);
        options.onRangeIgnored?.(url.host);
      }
      return openLocalSource(await file(renditionPath, signal), renditionPath, { mtimeIsAccess: true });
    },
  };
}
