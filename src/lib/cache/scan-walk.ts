// The walk under a prune scan (scan.ts): lstat only, nothing followed, one file
// system, synchronous calls in slices of at most `sliceMs` with the event loop let run between
// them (a promise or thread-pool round trip per file would cost more than the call itself).
import { lstatSync, readdirSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import type { CacheEntry } from './entries.js';

export interface ScanOptions {
  /** @default DEFAULT_MEDIA_EXTENSIONS */ readonly mediaExtensions?: readonly string[];
  /** Stop listing after this many files and directories (the pass is then marked truncated). @default 2_000_000 */
  readonly maxFiles?: number;
  /** Stop listing after this long. @default 300_000 */ readonly maxScanMs?: number;
  /** Longest stretch of synchronous file-system calls before yielding. @default 10 */ readonly sliceMs?: number;
  /** Lock staleness is judged at this time. @default Date.now() */ readonly now?: number;
  /** Called once with the locks, run directories, failure markers and trash entries, before any rendition or source. */
  readonly onBookkeeping?: (entries: readonly CacheEntry[]) => void;
  /** Called with each rendition, source or partial download as soon as it is complete. */
  readonly onEntry?: (entry: CacheEntry) => void;
  /** Keep renditions and sources in `entries` (false: only onEntry sees them; memory stays flat). @default true */
  readonly collect?: boolean;
}

export interface ScanIssue {
  readonly path: string;
  readonly message: string;
}

export const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'error';

// One pass over a cache: its limits, counters, problems met and the entries found so far.
export class Walk {
  readonly entries: CacheEntry[] = [];
  readonly errors: ScanIssue[] = [];
  readonly skipped = { symlinks: 0, otherDevice: 0 };
  files = 0;
  truncated = false;
  private sliceStart = performance.now();
  private readonly started = performance.now();

  private content = false;

  constructor(
    readonly root: string,
    readonly dev: number,
    private readonly options: Required<Pick<ScanOptions, 'maxFiles' | 'maxScanMs' | 'sliceMs'>> & ScanOptions,
  ) {}

  emit(entry: CacheEntry): void {
    if (!this.content) this.entries.push(entry);
    else {
      this.options.onEntry?.(entry);
      if (this.options.collect !== false) this.entries.push(entry);
    }
  }

  startContent(): void {
    this.content = true;
    this.options.onBookkeeping?.(this.entries);
  }

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}${path.sep}${rel}`;
  }

  // Lets the event loop run when the current slice is used up; true when the pass must stop.
  async pause(): Promise<boolean> {
    const now = performance.now();
    if (now - this.sliceStart >= this.options.sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      this.sliceStart = performance.now();
    }
    if (this.files >= this.options.maxFiles || now - this.started >= this.options.maxScanMs) this.truncated = true;
    return this.truncated;
  }

  // null when gone (a race with serve or packaging) or unreadable (recorded). `absDir`: the
  // directory's absolute path when the caller has it (saves building a string per file).
  lstat(rel: string, absDir?: string, name?: string): Stats | null {
    this.files++;
    try {
      return lstatSync(absDir === undefined ? this.abs(rel) : `${absDir}${path.sep}${name}`, { throwIfNoEntry: false }) ?? null;
    } catch (error) {
      this.errors.push({ path: absDir === undefined ? rel : `${rel}/${name}`, message: errno(error) });
      return null;
    }
  }

  // Anything on another file system (a mount point, a bind-mounted file) is not ours.
  here(stat: Stats): boolean {
    if (stat.dev === this.dev) return true;
    this.skipped.otherDevice++;
    return false;
  }

  readdir(rel: string): Dirent[] {
    try {
      return readdirSync(this.abs(rel), { withFileTypes: true });
    } catch (error) {
      const code = errno(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.errors.push({ path: rel, message: code });
      return [];
    }
  }

  // A real directory of this file system (checked by lstat when entered).
  dirOk(rel: string): Stats | null {
    const stat = this.lstat(rel);
    return stat !== null && stat.isDirectory() && this.here(stat) ? stat : null;
  }

  // Sums a subtree this walk does not interpret (a run directory, a trash entry).
  async measure(rel: string): Promise<{ bytes: number; mtimeMs: number } | null> {
    const top = this.lstat(rel);
    if (top === null || !this.here(top)) return null;
    let bytes = top.size;
    let mtimeMs = top.mtimeMs;
    const stack = top.isDirectory() ? [rel] : [];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      for (const dirent of this.readdir(dir)) {
        const child = `${dir}/${dirent.name}`;
        const stat = this.lstat(child);
        if (stat === null) continue;
        bytes += stat.size;
        if (stat.mtimeMs > mtimeMs) mtimeMs = stat.mtimeMs;
        if (stat.isDirectory() && this.here(stat)) stack.push(child);
      }
      await this.pause();
    }
    return { bytes, mtimeMs };
  }
}
