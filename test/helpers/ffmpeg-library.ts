// Media made by ffmpeg for one test file: each fixture's arguments (inputs, codecs, muxer
// options) written to its name in a temporary directory before the file's tests run, the
// directory removed after them. Returns the directory, once made.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { FFMPEG } from '../lib/renditions/helpers/media-probe.js';

const run = promisify(execFile);

export function ffmpegLibrary(prefix: string, fixtures: Readonly<Record<string, readonly string[]>>): () => string {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    await Promise.all(
      Object.entries(fixtures).map(([name, args]) => run(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...args, path.join(dir, name)])),
    );
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
