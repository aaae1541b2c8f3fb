// What a cache scan finds and the planner decides on: only things with casterpak's own names,
// each with its size and last access. Last access is the mtime (serve moves it forward when it
// serves a file; a file never served keeps the time it was made); atime is never used.
// Paths are relative to the cache directory, with '/' separators.
import type { RenditionFileRole } from './names.js';

export interface RenditionFile {
  /** Relative to the rendition directory, e.g. `segment3_0_av.ts`, `kfonly/index_0_av.m3u8`. */
  readonly name: string;
  readonly role: RenditionFileRole;
  readonly bytes: number;
  readonly mtimeMs: number;
}

// `<cacheDir>/<rendition path>/`: a directory named like a source holding index_0_av.m3u8.
export interface RenditionEntry {
  readonly kind: 'rendition';
  readonly path: string;
  readonly files: readonly RenditionFile[];
  /** Entries inside that are not casterpak's (other files, symlinks, directories): never deleted. */
  readonly foreign: number;
}

// `.sources/<rendition path>`: a downloaded source copy.
export interface SourceEntry {
  readonly kind: 'source';
  readonly path: string;
  readonly renditionPath: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

// Leftovers of a process that may still be running: a `.tmp/` run directory (mtimeMs: the
// newest time inside it) or a partial download in `.sources/`.
export interface TempEntry {
  readonly kind: 'tmp';
  readonly path: string;
  /** The rendition key it works for, when its name says (run directories). */
  readonly key: string | null;
  /** Its owner, named by a run directory, ran on this host and is gone (cache/lock.ts ownerDead). */
  readonly ownerDead?: boolean;
  readonly bytes: number;
  readonly mtimeMs: number;
}

// `.locks/<key>.lock` (or one set aside): `stale` as lock.ts judges it when scanned.
export interface LockEntry {
  readonly kind: 'lock';
  readonly path: string;
  readonly key: string;
  readonly stale: boolean;
  readonly bytes: number;
  readonly mtimeMs: number;
}

// `.locks/<key>.failed`: `untilMs` from its content, null when unreadable.
export interface FailedEntry {
  readonly kind: 'failed';
  readonly path: string;
  readonly untilMs: number | null;
  readonly bytes: number;
  readonly mtimeMs: number;
}

// A top-level entry of `.trash/`: already renamed away, only waiting to be deleted.
export interface TrashEntry {
  readonly kind: 'trash';
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

export type CacheEntry = RenditionEntry | SourceEntry | TempEntry | LockEntry | FailedEntry | TrashEntry;

export function entryBytes(entry: CacheEntry): number {
  return entry.kind === 'rendition' ? entry.files.reduce((sum, file) => sum + file.bytes, 0) : entry.bytes;
}

// A rendition's last access: the newest of the files serve moves forward when it serves them
// (playlists, segments, I-frame playlists); a rendition with none of them left counts its
// bookkeeping files, so it still ages and goes.
export function renditionLastAccess(entry: RenditionEntry): number {
  let served = Number.NEGATIVE_INFINITY;
  let any = Number.NEGATIVE_INFINITY;
  for (const file of entry.files) {
    if (file.mtimeMs > any) any = file.mtimeMs;
    if (file.role !== 'info' && file.role !== 'temp' && file.mtimeMs > served) served = file.mtimeMs;
  }
  return served === Number.NEGATIVE_INFINITY ? any : served;
}
