// Where things live in the cache directory. Names that start with a dot are casterpak's own
// bookkeeping; rendition paths can never start with a dot, so the two never collide.
import { createHash } from 'node:crypto';
import path from 'node:path';

export const TMP_DIR = '.tmp'; // packaging runs in progress: <key>.<host>.<pid>.<random>/
export const LOCKS_DIR = '.locks'; // <key>.lock: who is packaging a rendition
export const SOURCES_DIR = '.sources'; // downloaded source copies, by rendition path
export const PUBLISHED_DIR = '.published'; // kfonly playlists made for streams under the published root
export const TRASH_DIR = '.trash'; // renditions replaced or removed, deleted right after the rename

export interface CacheLayout {
  readonly root: string;
  renditionDir(renditionPath: string): string;
  sourceFile(renditionPath: string): string;
  tmpDir(): string;
  locksDir(): string;
  lockFile(key: string): string;
  trashDir(): string;
  publishedDir(): string;
}

// A short stable key for a rendition path, safe as one file name.
export function renditionKey(renditionPath: string): string {
  return createHash('sha1').update(renditionPath).digest('hex').slice(0, 20);
}

export function cacheLayout(root: string): CacheLayout {
  return {
    root,
    renditionDir: (renditionPath) => path.join(root, ...renditionPath.split('/')),
    sourceFile: (renditionPath) => path.join(root, SOURCES_DIR, ...renditionPath.split('/')),
    tmpDir: () => path.join(root, TMP_DIR),
    locksDir: () => path.join(root, LOCKS_DIR),
    lockFile: (key) => path.join(root, LOCKS_DIR, `${key}.lock`),
    trashDir: () => path.join(root, TRASH_DIR),
    publishedDir: () => path.join(root, PUBLISHED_DIR),
  };
}
