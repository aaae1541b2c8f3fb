// Lists what prune may act on in a cache directory. Safety first: lstat only (no symlink is
// ever followed; a symlink is never a candidate), the walk never leaves the cache directory's
// file system, and only casterpak's own names become entries.
//
// Speed: a cache holds 10⁵–10⁶ small files; see scan-walk.ts for how they are visited without
// a promise per file while `serve --prune-every` keeps answering.
import { promises as fsp, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { DEFAULT_MEDIA_EXTENSIONS } from '../config/schema.js';
import {
  LOCKS_DIR,
  SOURCES_DIR,
  TMP_DIR,
  TRASH_DIR,
  INDEX_PLAYLIST,
  FMP4_DIR,
  KFONLY_DIR,
  isSourceName,
  fmp4FileRole,
  iframePlaylistFileRole,
  parseAsideLockName,
  parseFailedName,
  parseLockName,
  parsePartName,
  parseTempRunName,
  renditionFileRole,
} from './names.js';
import { renditionPathError } from './rendition-path.js';
import type { CacheEntry, RenditionFile } from './entries.js';
import { lockIsStale, ownerDead, readLockOwner } from './lock.js';
import { Walk, errno, type ScanIssue, type ScanOptions } from './scan-walk.js';

interface CacheScan {
  readonly entries: CacheEntry[];
  /** False when the cache directory does not exist (nothing to do). */
  readonly exists: boolean;
  readonly files: number;
  readonly truncated: boolean;
  /** Symlinks met (never followed) and directories on another file system (never entered). */
  readonly skipped: { readonly symlinks: number; readonly otherDevice: number };
  readonly errors: ScanIssue[];
}

function isRenditionDir(rel: string, dirents: readonly Dirent[], extensions: readonly string[]): boolean {
  return dirents.some((d) => d.name === INDEX_PLAYLIST && d.isFile()) && renditionPathError(rel, extensions) === null;
}

function renditionEntry(walk: Walk, rel: string, dirents: readonly Dirent[], subdirs: string[]): CacheEntry {
  const files: RenditionFile[] = [];
  const absDir = walk.abs(rel);
  let foreign = 0;
  const addFile = (role: RenditionFile['role'] | null, dirent: Dirent, name: string) => {
    if (dirent.isSymbolicLink()) walk.skipped.symlinks++;
    if (role === null || !dirent.isFile()) {
      foreign++;
      return;
    }
    const stat = walk.lstat(rel, absDir, name);
    if (stat === null) return; // gone meanwhile
    if (stat.isFile() && walk.here(stat)) files.push({ name, role, bytes: stat.size, mtimeMs: stat.mtimeMs });
    else foreign++;
  };
  for (const dirent of dirents) {
    const name = dirent.name;
    if (dirent.isDirectory()) {
      const role = name === KFONLY_DIR ? iframePlaylistFileRole : name === FMP4_DIR ? fmp4FileRole : null;
      if (role && walk.dirOk(`${rel}/${name}`) !== null) {
        for (const inner of walk.readdir(`${rel}/${name}`)) addFile(role(inner.name), inner, `${name}/${inner.name}`);
      } else {
        foreign++; // not ours: stays, and may itself hold renditions
        subdirs.push(`${rel}/${name}`);
      }
    } else {
      addFile(renditionFileRole(name), dirent, name);
    }
  }
  return { kind: 'rendition', path: rel, files, foreign };
}

// Rendition directories anywhere below the root, except in dot-directories.
async function walkRenditions(walk: Walk, tops: readonly string[], extensions: readonly string[]): Promise<void> {
  const stack = [...tops];
  while (stack.length > 0 && !(await walk.pause())) {
    const rel = stack.pop()!;
    if (walk.dirOk(rel) === null) continue;
    const dirents = walk.readdir(rel);
    const subdirs: string[] = [];
    if (isRenditionDir(rel, dirents, extensions)) {
      walk.emit(renditionEntry(walk, rel, dirents, subdirs));
    } else {
      for (const dirent of dirents) {
        if (dirent.isDirectory() && !dirent.name.startsWith('.')) subdirs.push(`${rel}/${dirent.name}`);
        else if (dirent.isSymbolicLink()) walk.skipped.symlinks++;
      }
    }
    stack.push(...subdirs);
  }
}

async function walkSources(walk: Walk, extensions: readonly string[]): Promise<void> {
  const stack = [SOURCES_DIR];
  while (stack.length > 0 && !(await walk.pause())) {
    const rel = stack.pop()!;
    if (walk.dirOk(rel) === null) continue;
    for (const dirent of walk.readdir(rel)) {
      const child = `${rel}/${dirent.name}`;
      if (dirent.isSymbolicLink()) walk.skipped.symlinks++;
      if (dirent.isDirectory()) {
        if (!dirent.name.startsWith('.')) stack.push(child);
        continue;
      }
      if (!dirent.isFile()) continue;
      const renditionPath = child.slice(SOURCES_DIR.length + 1);
      const part = parsePartName(dirent.name) !== null;
      if (!part && !(isSourceName(dirent.name, extensions) && renditionPathError(renditionPath, extensions) === null)) continue;
      const stat = walk.lstat(child);
      if (stat === null || !stat.isFile() || !walk.here(stat)) continue;
      if (part) walk.emit({ kind: 'tmp', path: child, key: null, bytes: stat.size, mtimeMs: stat.mtimeMs });
      else walk.emit({ kind: 'source', path: child, renditionPath, bytes: stat.size, mtimeMs: stat.mtimeMs });
    }
  }
}

async function walkTemp(walk: Walk): Promise<void> {
  if (walk.dirOk(TMP_DIR) === null) return;
  for (const dirent of walk.readdir(TMP_DIR)) {
    const run = parseTempRunName(dirent.name);
    if (run === null || !dirent.isDirectory() || (await walk.pause())) continue;
    const rel = `${TMP_DIR}/${dirent.name}`;
    const measured = await walk.measure(rel);
    if (measured !== null) walk.emit({ kind: 'tmp', path: rel, key: run.key, ownerDead: ownerDead(run), ...measured });
  }
}

// The `until` of a failure marker (rendition-store.ts), or null when unreadable.
async function failedUntil(file: string): Promise<number | null> {
  try {
    const until = (JSON.parse(await fsp.readFile(file, 'utf8')) as { until?: unknown }).until;
    return typeof until === 'number' ? until : null;
  } catch {
    return null;
  }
}

async function walkLocks(walk: Walk, now: number): Promise<void> {
  if (walk.dirOk(LOCKS_DIR) === null) return;
  for (const dirent of walk.readdir(LOCKS_DIR)) {
    if (!dirent.isFile()) continue;
    const rel = `${LOCKS_DIR}/${dirent.name}`;
    const lock = parseLockName(dirent.name) ?? parseAsideLockName(dirent.name);
    const failed = parseFailedName(dirent.name) !== null;
    if (lock === null && !failed) continue;
    const stat = walk.lstat(rel);
    if (stat === null || !stat.isFile() || !walk.here(stat)) continue;
    const file = walk.abs(rel);
    if (failed) {
      const untilMs = await failedUntil(file);
      walk.emit({ kind: 'failed', path: rel, untilMs, bytes: stat.size, mtimeMs: stat.mtimeMs });
    } else {
      // Set-aside locks are garbage by construction; a lock is judged as its takers judge it.
      const found = dirent.name.endsWith('.lock') ? await readLockOwner(file) : null;
      const stale = found === null || lockIsStale(found, now);
      walk.emit({ kind: 'lock', path: rel, key: lock!, stale, bytes: stat.size, mtimeMs: found?.mtimeMs ?? stat.mtimeMs });
    }
  }
}

async function walkTrash(walk: Walk): Promise<void> {
  if (walk.dirOk(TRASH_DIR) === null) return;
  for (const dirent of walk.readdir(TRASH_DIR)) {
    if (await walk.pause()) return;
    const rel = `${TRASH_DIR}/${dirent.name}`;
    const measured = await walk.measure(rel);
    if (measured !== null) walk.emit({ kind: 'trash', path: rel, ...measured });
  }
}

export async function scanCache(cacheDir: string, options: ScanOptions = {}): Promise<CacheScan> {
  const root = path.resolve(cacheDir);
  let rootStat: Stats;
  try {
    rootStat = statSync(root); // the configured directory itself may be a symlink (e.g. to a data disk)
  } catch (error) {
    if (errno(error) === 'ENOENT')
      return { entries: [], exists: false, files: 0, truncated: false, skipped: { symlinks: 0, otherDevice: 0 }, errors: [] };
    throw new CasterpakError('CONFIG', `cannot read the cache directory ${root}: ${errno(error)}`, { cause: error });
  }
  if (!rootStat.isDirectory()) throw new CasterpakError('CONFIG', `the cache directory ${root} is not a directory`);
  const extensions = options.mediaExtensions ?? DEFAULT_MEDIA_EXTENSIONS;
  const walk = new Walk(root, rootStat.dev, {
    ...options,
    maxFiles: options.maxFiles ?? 2_000_000,
    maxScanMs: options.maxScanMs ?? 300_000,
    sliceMs: options.sliceMs ?? 10,
  });
  let top: Dirent[];
  try {
    top = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    throw new CasterpakError('CONFIG', `cannot read the cache directory ${root}: ${errno(error)}`, { cause: error });
  }
  // Bookkeeping first: locks and run directories decide what is being packaged.
  await walkLocks(walk, options.now ?? Date.now());
  await walkTemp(walk);
  await walkTrash(walk);
  walk.startContent();
  const tops = top.filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'lost+found').map((d) => d.name); // lost+found: a cache on its own file system
  walk.skipped.symlinks += top.filter((d) => d.isSymbolicLink()).length;
  await walkRenditions(walk, tops, extensions);
  if (top.some((d) => d.name === SOURCES_DIR && d.isDirectory())) await walkSources(walk, extensions);
  return { entries: walk.entries, exists: true, files: walk.files, truncated: walk.truncated, skipped: walk.skipped, errors: walk.errors };
}
