// Whether a file or directory is there now. Anything that stops access (missing, a broken
// symlink, no permission) counts as absent: callers then make it, or look again later.
import { promises as fs } from 'node:fs';

export const exists = (file: string): Promise<boolean> =>
  fs.access(file).then(
    () => true,
    () => false,
  );
