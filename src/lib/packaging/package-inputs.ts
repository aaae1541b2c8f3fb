// What `casterpak package` packages: its inputs with every directory replaced by the media
// files below it (recursively, sorted, hidden entries skipped: serve refuses hidden path
// segments), so a whole show is pre-warmed in one run. Symbolic links met on the way are not
// followed (a link to a parent would loop; one leading out of the library is not part of it);
// a directory named on the command line is taken as given.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { isUrl } from '../shared/paths.js';

interface ExpandedInputs {
  readonly inputs: string[];
  /** The inputs that were directories. */
  readonly directories: string[];
}

async function isDirectory(input: string): Promise<boolean> {
  try {
    return (await fs.stat(input)).isDirectory();
  } catch {
    return false; // missing or unreadable: packaging it reports why, as for any file
  }
}

async function mediaFilesBelow(dir: string, mediaExtensions: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const pending = [dir];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    let entries;
    try {
      entries = await fs.readdir(next, { withFileTypes: true });
    } catch (error) {
      throw new CasterpakError('USAGE', `cannot list the directory ${next} (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(next, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile() && mediaExtensions.includes(path.extname(entry.name).toLowerCase())) found.push(full);
    }
  }
  return found.sort();
}

export async function expandInputs(inputs: readonly string[], mediaExtensions: readonly string[], cwd: string): Promise<ExpandedInputs> {
  const expanded: string[] = [];
  const directories: string[] = [];
  for (const input of inputs) {
    if (isUrl(input) || !(await isDirectory(path.resolve(cwd, input)))) {
      expanded.push(input);
      continue;
    }
    const files = await mediaFilesBelow(path.resolve(cwd, input), mediaExtensions);
    if (files.length === 0)
      throw new CasterpakError('USAGE', `no media files (${mediaExtensions.join(', ')}) below the directory ${input}`);
    // Keep the form the operator gave (relative stays relative) so results name what they typed.
    expanded.push(...files.map((file) => path.join(input, path.relative(path.resolve(cwd, input), file))));
    directories.push(input);
  }
  return { inputs: expanded, directories };
}
