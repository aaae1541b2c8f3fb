// Whether a library holds at least one media file: a bounded walk, enough to tell an empty or
// wrong directory from a library without reading all of a large one.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function hasMediaFile(
  root: string,
  mediaExtensions: readonly string[],
  skip: readonly string[] = [],
  maxEntries = 10_000,
): Promise<boolean> {
  const pending = [root];
  let seen = 0;
  while (pending.length > 0 && seen < maxEntries) {
    const dir = pending.shift()!;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      seen++;
      if (entry.name.startsWith('.')) continue; // serve never answers for hidden names (request-path.ts)
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !skip.includes(full)) pending.push(full);
      else if (entry.isFile() && mediaExtensions.includes(path.extname(entry.name).toLowerCase())) return true;
    }
  }
  // A library too large to walk here holds something to serve, as far as a warning goes.
  return seen >= maxEntries;
}
