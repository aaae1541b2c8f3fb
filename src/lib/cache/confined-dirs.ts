// A rendition's directory, once it is known to resolve inside the cache directory. Files are
// only read (and renditions only written) there; a planted symlink leading out is NOT_FOUND.
// A verified rendition path is remembered, so the warm path pays the realpath calls once; where,
// the caller may say (the rendition store keeps it in its one entry per rendition).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { boundedCache } from '../shared/bounded-cache.js';
import { exists } from '../shared/exists.js';
import { isInside } from '../shared/paths.js';
import type { CacheLayout } from './names.js';

// Rendition path → its verified directory.
export interface DirMemory {
  get(renditionPath: string): string | undefined;
  set(renditionPath: string, dir: string): void;
}

export class ConfinedDirs {
  constructor(
    private readonly layout: CacheLayout,
    private readonly verified: DirMemory = boundedCache<string, string>({ max: 100_000 }),
  ) {}

  async insideDir(renditionPath: string): Promise<string> {
    const known = this.verified.get(renditionPath);
    if (known !== undefined) return known;
    const dir = this.layout.renditionDir(renditionPath);
    if (await this.leadsOutside(dir))
      throw new CasterpakError('NOT_FOUND', `${renditionPath}: leads outside the cache directory (symlink)`);
    // A directory not made yet is checked again once it is.
    if (await exists(dir)) this.verified.set(renditionPath, dir);
    return dir;
  }

  // The directory of a rendition insideDir verified already, without waiting: the warm path.
  knownDir(renditionPath: string): string | undefined {
    return this.verified.get(renditionPath);
  }

  // The deepest existing part of `dir` must resolve inside the cache directory's real path.
  private async leadsOutside(dir: string): Promise<boolean> {
    const root = path.resolve(this.layout.root);
    const realRoot = await fs.realpath(root).catch(() => root);
    for (let at = path.resolve(dir); at.startsWith(root + path.sep); at = path.dirname(at)) {
      try {
        const real = await fs.realpath(at);
        return !isInside(realRoot, real);
      } catch {
        // not there yet: its parent decides
      }
    }
    return false;
  }
}
