// Moves a verified rendition from its temporary directory into place. Readers only ever see
// a whole rendition or none: a new rendition arrives by one directory rename; a pruned
// segment comes back by renaming the regenerated file in, and a changed one replaces the
// whole directory by rename (old one to .trash first).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type CacheLayout, INDEX_PLAYLIST, RENDITION_INFO, segmentNumber } from './names.js';
import { moveToTrash } from './remove-tree.js';
import { exists } from '../shared/exists.js';

export type CommitOutcome = 'committed' | 'existing' | 'repaired' | 'replaced';

// `tmp` is consumed in every case (moved into place or removed).
export async function commitRendition(layout: CacheLayout, tmp: string, renditionPath: string, replace = false): Promise<CommitOutcome> {
  const final = layout.renditionDir(renditionPath);
  await fs.mkdir(path.dirname(final), { recursive: true });
  try {
    if (!(await exists(path.join(final, INDEX_PLAYLIST)))) {
      if (await exists(final)) await moveToTrash(layout, final); // leftovers without a playlist are not a rendition
      try {
        await fs.rename(tmp, final); // not flushed after: cache/atomic-write.ts says why
        return 'committed';
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        return 'existing'; // another process published first: same bytes, keep theirs
      }
    }
    const [ours, theirs] = await Promise.all([
      fs.readFile(path.join(tmp, INDEX_PLAYLIST), 'utf8'),
      fs.readFile(path.join(final, INDEX_PLAYLIST), 'utf8').catch(() => ''),
    ]);
    if (replace || ours !== theirs) {
      await moveToTrash(layout, final);
      await fs.rename(tmp, final);
      return 'replaced';
    }
    // Same playlist: packaging is deterministic, so only the missing segments are put back.
    // The info file always takes the new run's (its settings may differ with the same playlist).
    const present = new Set(await fs.readdir(final));
    let repaired = 0;
    for (const name of await fs.readdir(tmp)) {
      if (segmentNumber(name) !== null && !present.has(name)) {
        await fs.rename(path.join(tmp, name), path.join(final, name));
        repaired++;
      } else if (name === RENDITION_INFO) {
        await fs.rename(path.join(tmp, name), path.join(final, name));
      }
    }
    return repaired > 0 ? 'repaired' : 'existing';
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
