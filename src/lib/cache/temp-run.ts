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
