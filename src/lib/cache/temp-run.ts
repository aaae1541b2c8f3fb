// A run directory under `.tmp/`: where one piece of packaging (a rendition, one segment, a
// download) writes before its result is renamed into place. Its name carries the key, host and
// pid (cache/names.ts tempRunName), so the temp sweep knows whose it is after a crash.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { renditionKey, tempRunName, type CacheLayout } from './names.js';

export async function makeTempDir(layout: CacheLayout, renditionPath: string): Promise<string> {
  await fs.mkdir(layout.tmpDir(), { recursive: true });
  const name = tempRunName(renditionKey(renditionPath), os.hostname(), process.pid, randomBytes(4).toString('hex'));
  const dir = path.join(layout.tmpDir(), name);
  await fs.mkdir(dir);
  return dir;
}

// Removes a run directory whose files are known by name: their unlinks at once, then the
// directory; anything else left in it (a transform's own files) falls back to a recursive
// removal. A cold segment's answer waits on this: a recursive removal is several file-system
// round trips one after the other (lstat, readdir, lstat per file), this is two.
export async function removeRunDir(dir: string, names: readonly string[]): Promise<void> {
  await Promise.all(
    names.map((name) =>
      fs.unlink(path.join(dir, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      }),
    ),
  );
  await fs.rmdir(dir).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return;
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await fs.rm(dir, { recursive: true, force: true });
  });
}
