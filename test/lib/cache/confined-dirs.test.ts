import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfinedDirs } from '../../../src/lib/cache/confined-dirs.js';
import { cacheLayout } from '../../../src/lib/cache/names.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('ConfinedDirs', () => {
  it('gives a rendition directory inside the cache and remembers it once it exists', async () => {
    const layout = cacheLayout(tempDir('casterpak-cache-'));
    const dirs = new ConfinedDirs(layout);
    const dir = await dirs.insideDir('show/film.mp4');
    expect(dir).toBe(layout.renditionDir('show/film.mp4'));
    expect(dirs.knownDir('show/film.mp4')).toBeUndefined(); // not made yet: checked again later
    mkdirSync(dir, { recursive: true });
    expect(await dirs.insideDir('show/film.mp4')).toBe(dir);
    expect(dirs.knownDir('show/film.mp4')).toBe(dir);
  });

  it('refuses a rendition path that a planted symlink leads outside the cache', async () => {
    const root = tempDir('casterpak-cache-');
    const outside = tempDir('casterpak-outside-');
    mkdirSync(path.join(outside, 'film.mp4'));
    symlinkSync(outside, path.join(root, 'show'));
    const dirs = new ConfinedDirs(cacheLayout(root));
    await expect(dirs.insideDir('show/film.mp4')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/leads outside the cache directory/),
    });
    expect(dirs.knownDir('show/film.mp4')).toBeUndefined();
  });
});
