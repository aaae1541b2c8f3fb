// Playlists are small and read on every request of every player: they are kept in memory,
// within a byte budget (least recently used out first), together with their validators. A hit
// is checked against the file on disk (one stat: inode, size, birth and change time, what the
// validators are made of) at most every `revalidateMs`, so a playlist replaced by
// `package --force` or removed by prune is served from memory for at most that long: no longer
// than its Cache-Control lets any cache keep it (the caller derives revalidateMs from it).
import { promises as fs, type Stats } from 'node:fs';
import { fileValidators, type Validators } from './conditional.js';
import { boundedCache, type BoundedCache } from '../../shared/bounded-cache.js';

export interface SmallFile {
  readonly body: Buffer;
  readonly stat: Pick<Stats, 'size' | 'ino' | 'birthtimeMs' | 'ctimeMs'>;
  /** Made once per entry: the warm path answers without building them again. */
  readonly validators: Validators;
  checkedAt: number;
}

const same = (a: SmallFile['stat'], b: SmallFile['stat']) =>
  a.ino === b.ino && a.size === b.size && a.birthtimeMs === b.birthtimeMs && a.ctimeMs === b.ctimeMs;

export class SmallFileCache {
  private readonly entries: BoundedCache<string, SmallFile>;

  constructor(
    /** Bytes of file bodies kept at most. */ readonly budget: number,
    /** How long a hit is served without looking at the disk; 0: a stat on every hit. */ readonly revalidateMs = 0,
    /** Larger files are read from disk every time. */ readonly maxFileBytes = 1024 * 1024,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = boundedCache({ maxSize: Math.max(1, budget), sizeOf: (entry) => entry.body.length });
  }

  // The file from memory when it need not be checked against the disk yet: the warm path,
  // answered without waiting for anything.
  fresh(file: string): SmallFile | undefined {
    const known = this.entries.peek(file);
    return known && this.now() - known.checkedAt < this.revalidateMs ? this.entries.get(file) : undefined;
  }

  // The file's bytes and stat, from memory when unchanged on disk. Throws ENOENT like fs does.
  async read(file: string): Promise<SmallFile> {
    const fresh = this.fresh(file);
    if (fresh) return fresh;
    const known = this.entries.peek(file);
    const time = this.now();
    const stat = await fs.stat(file);
    if (known && same(known.stat, stat)) {
      known.checkedAt = time;
      return this.entries.get(file) ?? known;
    }
    if (known) this.entries.delete(file);
    const body = await fs.readFile(file);
    const small = { size: body.length, ino: stat.ino, birthtimeMs: stat.birthtimeMs, ctimeMs: stat.ctimeMs };
    const entry = { body, stat: small, validators: fileValidators(small), checkedAt: time };
    // Replaced between the stat and the read: serve what was read, remember nothing.
    if (body.length !== stat.size || body.length > this.maxFileBytes) return entry;
    this.entries.set(file, entry);
    return entry;
  }
}
