// An in-process out-of-root oracle: wraps the node:fs promise API the origin uses and records
// the real path of every file it opens or reads, so a test can assert that nothing outside the
// configured roots was touched (symlinks resolved, as the kernel would). The strace oracle in
// test/e2e/reliability/ does the same from outside the process, for the whole process tree.
import fs, { realpathSync } from 'node:fs';
import path from 'node:path';

const READS = ['open', 'readFile', 'readdir', 'opendir', 'copyFile', 'cp'] as const;

interface FsOracle {
  /** real paths opened or read since install */
  readonly reads: string[];
  /** those outside every root */
  outside(roots: readonly string[]): string[];
  restore(): void;
}

function realish(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync.native(absolute);
  } catch {
    // missing: resolve its parent as far as it exists
    const parent = path.dirname(absolute);
    return parent === absolute ? absolute : path.join(realish(parent), path.basename(absolute));
  }
}

export function installFsOracle(): FsOracle {
  const promises = fs.promises as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  const reads: string[] = [];
  for (const name of READS) {
    const original = promises[name];
    originals.set(name, original);
    promises[name] = function (this: unknown, ...args: unknown[]) {
      if (typeof args[0] === 'string') reads.push(realish(args[0]));
      return original.apply(this, args);
    };
  }
  return {
    reads,
    outside: (roots) => {
      const real = roots.map((r) => realpathSync(r));
      return reads.filter((file) => !real.some((root) => file === root || file.startsWith(root + path.sep)));
    },
    restore: () => {
      for (const [name, original] of originals) promises[name] = original;
    },
  };
}
