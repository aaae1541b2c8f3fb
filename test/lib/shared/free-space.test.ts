import { statfsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freeBytes, nearlyFull, tooFew } from '../../../src/lib/shared/free-space.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('nearlyFull', () => {
  it('gives the free bytes when fewer than what is to be written and the spare room, else null', async () => {
    const dir = tempDir('casterpak-free-');
    const stat = statfsSync(dir);
    const free = stat.bavail * stat.bsize;
    expect(free).toBeGreaterThan(8 * 1024 * 1024); // this test needs a file system with some room
    expect(await nearlyFull(dir, free)).toBeGreaterThan(0);
    expect(await nearlyFull(dir, free - 8 * 1024 * 1024)).toBeNull();
  });

  it('is null when it cannot tell', async () => {
    expect(await nearlyFull('/nonexistent/casterpak', Number.MAX_SAFE_INTEGER)).toBeNull();
    expect(await freeBytes('/nonexistent/casterpak')).toBeNull();
  });

  it('judges free bytes asked for earlier as it judges the file system now', () => {
    const free = 100 * 1024 * 1024;
    expect(tooFew(free, free)).toBe(free);
    expect(tooFew(free, free - 8 * 1024 * 1024)).toBeNull();
    expect(tooFew(null, Number.MAX_SAFE_INTEGER)).toBeNull();
  });
});
