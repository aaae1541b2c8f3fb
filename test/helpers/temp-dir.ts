// A fresh directory under os.tmpdir(), removed when the current test finishes.
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

export function tempDir(prefix = 'casterpak-test-'): string {
  // realpath: macOS and some CI runners put tmpdir behind a symlink, and rendition paths are compared as text.
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Every file below `dir`, as sorted paths relative to it (none when it does not exist).
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
