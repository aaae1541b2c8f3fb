// Lists the renditions in the cache directory for the status page: a bounded walk (at most
// `maxDirs` directories read) that never follows symlinks and skips casterpak's dot
// directories. A rendition is a directory holding index_0_av.m3u8; its last access is the
// newest mtime of its playlists and segments (serve moves it forward when it serves them).
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { INDEX_PLAYLIST, KFONLY_DIR, RENDITION_INFO, SEGMENT_PATTERN } from '../../cache/names.js';
import type { StatusRendition } from './status-html.js';

export interface WalkLimits {
  readonly maxDirs: number;
  readonly maxRows: number;
}

export interface RenditionListing {
  readonly rows: StatusRendition[]; // most recently accessed first, at most maxRows
  readonly found: number;
  readonly complete: boolean;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = { maxDirs: 5000, maxRows: 500 };

const readDir = (dir: string): Promise<Dirent[]> => fs.readdir(dir, { withFileTypes: true }).catch(() => []); // pruned meanwhile: nothing there

async function fileStats(dir: string, entries: Dirent[]): Promise<Array<{ name: string; size: number; mtimeMs: number }>> {
  const files = entries.filter((e) => e.isFile());
  const stats = await Promise.all(files.map((e) => fs.lstat(path.join(dir, e.name)).catch(() => null)));
  return files.flatMap((e, i) => (stats[i] ? [{ name: e.name, size: stats[i]!.size, mtimeMs: stats[i]!.mtimeMs }] : []));
}

async function readInfo(dir: string): Promise<{ segments: number | null; durationMs: number | null }> {
  try {
    const info = JSON.parse(await fs.readFile(path.join(dir, RENDITION_INFO), 'utf8')) as { segments?: unknown; durationMs?: unknown };
    return {
      segments: Number.isInteger(info.segments) ? (info.segments as number) : null,
      durationMs: typeof info.durationMs === 'number' ? info.durationMs : null,
    };
  } catch {
    return { segments: null, durationMs: null };
  }
}

async function summarize(dir: string, relative: string, entries: Dirent[]): Promise<StatusRendition> {
  const kfonlyDir = entries.find((e) => e.name === KFONLY_DIR && e.isDirectory());
  const [files, kfonly, info] = await Promise.all([
    fileStats(dir, entries),
    kfonlyDir ? readDir(path.join(dir, KFONLY_DIR)).then((e) => fileStats(path.join(dir, KFONLY_DIR), e)) : Promise.resolve([]),
    readInfo(dir),
  ]);
  const served = [...files.filter((f) => f.name === INDEX_PLAYLIST || SEGMENT_PATTERN.test(f.name)), ...kfonly];
  return {
    path: relative,
    bytes: [...files, ...kfonly].reduce((sum, f) => sum + f.size, 0),
    lastAccessMs: Math.max(0, ...served.map((f) => f.mtimeMs)),
    segments: files.filter((f) => SEGMENT_PATTERN.test(f.name)).length,
    segmentsTotal: info.segments,
    durationMs: info.durationMs,
    kfonly: kfonly.some((f) => f.name === INDEX_PLAYLIST),
  };
}

export async function listRenditions(root: string, limits: WalkLimits = DEFAULT_WALK_LIMITS): Promise<RenditionListing> {
  const found: StatusRendition[] = [];
  const pending: string[] = [''];
  let read = 0;
  while (pending.length > 0 && read < limits.maxDirs) {
    const relative = pending.pop()!;
    const dir = path.join(root, ...relative.split('/').filter(Boolean));
    const entries = await readDir(dir);
    read++;
    if (relative !== '' && entries.some((e) => e.name === INDEX_PLAYLIST && e.isFile())) {
      found.push(await summarize(dir, relative, entries));
      continue;
    }
    for (const entry of entries) {
      // Dirent types come from lstat semantics: a symlink to a directory is not a directory here.
      if (entry.isDirectory() && !entry.name.startsWith('.')) pending.push(relative ? `${relative}/${entry.name}` : entry.name);
    }
  }
  found.sort((a, b) => b.lastAccessMs - a.lastAccessMs || (a.path < b.path ? -1 : 1));
  return { rows: found.slice(0, limits.maxRows), found: found.length, complete: pending.length === 0 };
}
