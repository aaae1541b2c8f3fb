// Finds the source MP4 of a rendition: in the local library (inside the source root, after
// resolving symlinks), else in the source cache, else downloaded from the configured upstream
// as `<upstream>/<rendition path>` — the only URL it ever builds.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import type { CacheLayout } from '../cache/names.js';
import { downloadToFile, type DownloadOptions } from './source-download.js';
import { makeTempDir } from './packager.js';

export interface SourceResolverOptions {
  readonly sourceRoot: string | null;
  readonly upstream: string | null;
  readonly layout: CacheLayout;
  readonly download: { readonly timeoutMs: number; readonly maxBytes: number };
}

export type SourceResolver = (renditionPath: string, signal?: AbortSignal) => Promise<string>;

// The real path of `relative` below `root`, or null when it is missing or escapes the root.
export async function realPathInside(root: string, relative: string): Promise<string | null> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(path.join(root, ...relative.split('/')))]);
    return real === realRoot || real.startsWith(realRoot + path.sep) ? real : null;
  } catch {
    return null;
  }
}

// Downloads a rendition's source into the source cache. The partial file lives in a run
// directory of .tmp/, which the temp sweep removes after a kill -9.
export async function downloadSource(layout: CacheLayout, renditionPath: string, url: URL, options: Omit<DownloadOptions, 'partDir'>): Promise<string> {
  const dest = layout.sourceFile(renditionPath);
  const partDir = await makeTempDir(layout, renditionPath);
  try {
    await downloadToFile(url, dest, { ...options, partDir });
  } finally {
    await fs.rm(partDir, { recursive: true, force: true });
  }
  return dest;
}

export function createSourceResolver(options: SourceResolverOptions): SourceResolver {
  return async (renditionPath, signal) => {
    if (options.sourceRoot !== null) {
      const local = await realPathInside(options.sourceRoot, renditionPath);
      if (local !== null) return local;
    }
    if (options.upstream === null) throw new CasterpakError('NOT_FOUND', `no source for ${renditionPath}`);
    const cached = options.layout.sourceFile(renditionPath);
    try {
      const now = new Date();
      await fs.utimes(cached, now, now); // a used source copy counts as accessed (prune --what sources)
      return cached;
    } catch {
      // not downloaded yet
    }
    const url = new URL(`${options.upstream}/${renditionPath.split('/').map(encodeURIComponent).join('/')}`);
    return downloadSource(options.layout, renditionPath, url, { ...options.download, signal });
  };
}
