// Lists the renditions in the cache directory for the status page, through the one cache walker
// (cache/scan.ts: lstat only, nothing followed, one file system, dot directories are
// bookkeeping) and with prune's definition of last access (cache/entries.ts).
import path from 'node:path';
import { renditionLastAccess, type CacheEntry, type RenditionEntry } from '../../cache/entries.js';
import { INDEX_PLAYLIST, KFONLY_DIR } from '../../cache/names.js';
import { readRenditionInfo } from '../../cache/rendition-info.js';
import { scanCache } from '../../cache/scan.js';
import type { StatusRendition } from './status-html.js';

export interface WalkLimits {
  readonly maxFiles: number; // files and directories looked at before the listing stops
  readonly maxRows: number;
}

interface RenditionListing {
  readonly rows: StatusRendition[]; // most recently accessed first, at most maxRows
  readonly found: number;
  readonly complete: boolean;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = { maxFiles: 200_000, maxRows: 500 };

const byAccess = (a: RenditionEntry, b: RenditionEntry) => renditionLastAccess(b) - renditionLastAccess(a) || (a.path < b.path ? -1 : 1);

async function row(root: string, entry: RenditionEntry): Promise<StatusRendition> {
  const info = await readRenditionInfo(path.join(root, ...entry.path.split('/')));
  return {
    path: entry.path,
    bytes: entry.files.reduce((sum, f) => sum + f.bytes, 0),
    lastAccessMs: Math.max(0, renditionLastAccess(entry)),
    segments: entry.files.filter((f) => f.role === 'segment').length,
    segmentsTotal: Number.isInteger(info?.segments) ? info!.segments : null,
    durationMs: typeof info?.durationMs === 'number' ? info.durationMs : null,
    kfonly: entry.files.some((f) => f.name === `${KFONLY_DIR}/${INDEX_PLAYLIST}`),
    derived:
      typeof info?.derived?.profile === 'string' && typeof info.derived.source === 'string'
        ? { profile: info.derived.profile, source: info.derived.source }
        : null,
  };
}

export async function listRenditions(root: string, limits: WalkLimits = DEFAULT_WALK_LIMITS): Promise<RenditionListing> {
  let newest: RenditionEntry[] = [];
  let found = 0;
  const keep = (entry: CacheEntry) => {
    if (entry.kind !== 'rendition') return;
    found++;
    newest.push(entry);
    if (newest.length > 2 * limits.maxRows) newest = newest.sort(byAccess).slice(0, limits.maxRows); // memory stays flat
  };
  const scan = await scanCache(root, { maxFiles: limits.maxFiles, collect: false, onEntry: keep });
  const rows = await Promise.all(
    newest
      .sort(byAccess)
      .slice(0, limits.maxRows)
      .map((entry) => row(root, entry)),
  );
  return { rows, found, complete: !scan.truncated };
}
