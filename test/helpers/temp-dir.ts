// A fresh directory under os.tmpdir(), removed when the current test finishes.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

export function tempDir(prefix = 'casterpak-test-'): string {
  // realpath: macOS and some CI runners put tmpdir behind a symlink, and rendition paths are compared as text.
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
