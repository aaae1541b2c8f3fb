// A run directory under `.tmp/`: where one piece of packaging (a rendition, one segment, a
// download) writes before its result is renamed into place. Its name carries the key, host and
// pid (cache/names.ts tempRunName), so the temp sweep knows whose it is after a crash.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { renditionKey, tempRunName, type CacheLayout } from './names.js';
import { unlinkIfThere } from '../shared/file-io.js';

export async function makeTempDir(layout: CacheLayout, renditionPath: string): Promise<string> {
  await fs.mkdir(layout.tmpDir(), { recursive: true });
  const name = tempRunName(renditionKey(renditionPath), os.hostname(), process.pid, randomBytes(4).toString('hex'));
  const dir = path.join(layout.tmpDir(), name);
  await fs.mkdir(dir);
  return dir;
}

// A run directory made while `work` runs, so its file-system round trips overlap the work (1.6-18
// ms after a dropped page cache); removed again, empty, when the work fails.
export async function tempDirDuring<T>(
  layout: CacheLayout,
  renditionPath: string,
  work: () => T | Promise<T>,
): Promise<{ tmp: string; result: T }> {
  const made = makeTempDir(layout, renditionPath);
  void made.catch(() => {}); // awaited below: its failure is not unhandled while the work runs
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await made.then((tmp) => removeRunDir(tmp, [])).catch(() => {});
    throw error;
  }
  return { tmp: await made, result };
}

// Removes a run directory whose files are known by name: their unlinks at once, then the
// directory; anything else left in it (a transform's own files) falls back to a recursive
// removal. A cold segment's answer waits on this: a recursive removal is several file-system
// round trips one after the other (lstat, readdir, lstat per file), this is two.
export async function removeRunDir(dir: string, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => unlinkIfThere(path.join(dir, name))));
  await fs.rmdir(dir).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return;
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await fs.rm(dir, { recursive: true, force: true });
  });
}
