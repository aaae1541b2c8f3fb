import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeRunDir, tempDirDuring } from '../../../src/lib/cache/temp-run.js';
import { cacheLayout } from '../../../src/lib/cache/names.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('removeRunDir', () => {
  it('removes the named files and the directory, a named file missing or not', async () => {
    const run = path.join(tempDir(), 'run');
    mkdirSync(run);
    writeFileSync(path.join(run, 'extract.mp4'), 'x');
    await removeRunDir(run, ['extract.mp4', 'raw.m3u8']);
    expect(existsSync(run)).toBe(false);
  });

  it('removes what else is left in it too (files and directories it was not told of)', async () => {
    const root = tempDir();
    const run = path.join(root, 'run');
    mkdirSync(path.join(run, 'sub'), { recursive: true });
    writeFileSync(path.join(run, 'extract.mp4'), 'x');
    writeFileSync(path.join(run, 'transcoded.mp4'), 'y');
    writeFileSync(path.join(run, 'sub', 'z'), 'z');
    await removeRunDir(run, ['extract.mp4']);
    expect(readdirSync(root)).toEqual([]);
  });

  it('is done when the directory is already gone', async () => {
    await expect(removeRunDir(path.join(tempDir(), 'gone'), ['extract.mp4'])).resolves.toBeUndefined();
  });
});

describe('tempDirDuring', () => {
  it('gives the run directory made while the work ran, and the work’s result', async () => {
    const layout = cacheLayout(tempDir());
    const { tmp, result } = await tempDirDuring(layout, 'films/a.mp4', async () => 42);
    expect(result).toBe(42);
    expect(existsSync(tmp)).toBe(true);
    expect(path.dirname(tmp)).toBe(layout.tmpDir());
  });

  it('removes the run directory again when the work fails, and throws the work’s error', async () => {
    const layout = cacheLayout(tempDir());
    await expect(
      tempDirDuring(layout, 'films/a.mp4', () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(readdirSync(layout.tmpDir())).toEqual([]);
  });
});
