// Removing directory trees (prune, and a rendition replaced on commit): nothing is followed (a
// symlink is unlinked, its target left alone) and no other file system is entered.
import { promises as fs, lstatSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { trashName, type CacheLayout } from './names.js';
import { unlinkIfThere } from '../shared/file-io.js';

export class CrossDeviceError extends Error {}

// rm -r that unlinks symlinks without following them and refuses to enter a directory on
// another device (a mount point planted inside).
export async function removeTree(target: string, dev: number): Promise<void> {
  const stat = await fs.lstat(target);
  if (!stat.isDirectory()) {
    await fs.unlink(target);
    return;
  }
  if (stat.dev !== dev) throw new CrossDeviceError(`${target} is on another file system`);
  for (const dirent of await fs.readdir(target, { withFileTypes: true })) {
    const child = path.join(target, dirent.name);
    if (dirent.isDirectory()) await removeTree(child, dev);
    else await unlinkIfThere(child);
  }
  await fs.rmdir(target);
}

// The cache's .trash directory, made when missing; null when it is not a plain directory on
// the cache's file system (then nothing is renamed into it).
export async function trashDir(dir: string, dev: number): Promise<string | null> {
  await fs.mkdir(dir, { recursive: true }).catch(() => {});
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.dev === dev ? dir : null;
  } catch {
    return null;
  }
}

// Renames `dir` into `trash` (one atomic step: a reader sees the whole directory or none of
// it), then deletes it there. Returns false when `dir` was already gone.
export async function renameAndRemove(dir: string, trash: string, dev: number): Promise<boolean> {
  const aside = path.join(trash, trashName(path.basename(dir), randomBytes(6).toString('hex')));
  try {
    await fs.rename(dir, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await removeTree(aside, dev);
  return true;
}

// The one "move into .trash, then delete" of the cache: a rendition directory replaced or
// removed disappears in one rename. Without a usable .trash it is removed in place.
export async function moveToTrash(layout: CacheLayout, dir: string): Promise<void> {
  const dev = (await fs.lstat(layout.root)).dev;
  const trash = await trashDir(layout.trashDir(), dev);
  if (trash !== null) await renameAndRemove(dir, trash, dev);
  else
    await removeTree(dir, dev).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
}
