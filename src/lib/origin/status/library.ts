// The library browser's listing: one directory of the source root, its subdirectories and media
// files, a page at a time. Reading stops after maxEntries names, so a directory of millions
// costs a bounded walk; files and links are looked at (stat, realpath) only on the page shown.
// Nothing outside the source root: the directory, and every link on the page, must resolve
// inside it (as sources do, packaging/source/source-resolver.ts).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../shared/errors.js';
import { relativePathError, renditionPathError } from '../../cache/rendition-path.js';
import { realPathInside } from '../../packaging/source/source-resolver.js';
import type { LibraryEntry, LibraryListing } from './library-html.js';

export interface LibraryLimits {
  readonly pageSize: number;
  readonly maxEntries: number; // directory entries read before the listing stops
}

export const DEFAULT_LIBRARY_LIMITS: LibraryLimits = { pageSize: 100, maxEntries: 10_000 };

interface Found {
  readonly name: string;
  readonly kind: 'dir' | 'media';
  readonly link: boolean;
}

// ISO BMFF top-level box types a playable file starts with (ISO/IEC 14496-12 §4.2, and QuickTime's
// `wide`/`pnot` for .mov): a cheap look at 8 bytes keeps a text file or a truncated download from
// getting a Play link that can only fail.
const FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'pdin', 'meta', 'uuid']);

async function startsLikeMp4(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    if (bytesRead < 8) return false;
    const size = head.readUInt32BE(0); // 0: to the end of the file, 1: a 64-bit size follows
    return (size === 0 || size === 1 || size >= 8) && FIRST_BOXES.has(head.toString('latin1', 4, 8));
  } finally {
    await handle.close();
  }
}

const isMedia = (name: string, extensions: readonly string[]) => extensions.includes(path.extname(name).toLowerCase());
const byKindThenName = (a: Found, b: Found) =>
  a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind === 'dir' ? -1 : 1;

export async function listLibrary(
  sourceRoot: string,
  dir: string,
  page: number,
  mediaExtensions: readonly string[],
  limits: LibraryLimits = DEFAULT_LIBRARY_LIMITS,
): Promise<LibraryListing> {
  const real = await realPathInside(sourceRoot, dir);
  const stat = real === null ? null : await fs.stat(real).catch(() => null);
  if (!stat?.isDirectory()) throw new CasterpakError('NOT_FOUND', `${dir || '/'}: no such directory in the source root`);
  const found: Found[] = [];
  let read = 0;
  let truncated = false;
  const handle = await fs.opendir(real!, { bufferSize: 256 }).catch(() => {
    throw new CasterpakError('NOT_FOUND', `${dir || '/'}: the directory cannot be read`);
  });
  for await (const entry of handle) {
    if (read++ >= limits.maxEntries) {
      truncated = true;
      break; // the iterator closes the directory
    }
    if (entry.name.startsWith('.')) continue; // hidden, and never servable
    const link = entry.isSymbolicLink();
    if (entry.isDirectory() || (link && !isMedia(entry.name, mediaExtensions))) found.push({ name: entry.name, kind: 'dir', link });
    else if ((entry.isFile() || link) && isMedia(entry.name, mediaExtensions)) found.push({ name: entry.name, kind: 'media', link });
  }
  found.sort(byKindThenName);
  const pages = Math.max(1, Math.ceil(found.length / limits.pageSize));
  if (page > pages) throw new CasterpakError('NOT_FOUND', `${dir || '/'}: page ${page} of ${pages}`);
  const shown = found.slice((page - 1) * limits.pageSize, page * limits.pageSize);
  const entries = await Promise.all(shown.map((f) => describe(sourceRoot, dir, f, mediaExtensions)));
  const directories = found.filter((f) => f.kind === 'dir').length;
  return { dir, entries: entries.filter((e): e is LibraryEntry => e !== null), total: found.length, directories, page, pages, truncated };
}

// A page entry with what its links need; a link is followed only to check it stays inside.
async function describe(sourceRoot: string, dir: string, found: Found, mediaExtensions: readonly string[]): Promise<LibraryEntry | null> {
  const relative = dir === '' ? found.name : `${dir}/${found.name}`;
  const error = found.kind === 'dir' ? relativePathError(relative) : renditionPathError(relative, mediaExtensions);
  const file = found.link ? await realPathInside(sourceRoot, relative) : path.join(sourceRoot, ...relative.split('/'));
  const stat = file === null ? null : await fs.stat(file).catch(() => null);
  if (found.link && stat !== null && stat.isDirectory() !== (found.kind === 'dir')) return null; // a link to neither
  const why =
    error !== null
      ? 'its name has characters casterpak does not serve'
      : file === null
        ? 'a link that leads outside the source root, or nowhere'
        : stat === null
          ? 'unreadable'
          : found.kind === 'media' && stat.isFile() && !(await startsLikeMp4(file))
            ? 'not an MP4 file (no ISO BMFF box at its start)'
            : undefined;
  return {
    name: found.name,
    kind: found.kind,
    path: why ? null : relative,
    ...(why ? { why } : {}),
    ...(stat?.isFile() ? { bytes: stat.size, mtimeMs: stat.mtimeMs } : {}),
  };
}
