import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exists } from '../../../src/lib/shared/exists.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('exists', () => {
  it('is true for a file and a directory that are there', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a.ts');
    writeFileSync(file, 'x');
    mkdirSync(path.join(dir, 'sub'));
    expect(await exists(file)).toBe(true);
    expect(await exists(path.join(dir, 'sub'))).toBe(true);
  });

  it('is false for a missing path and a broken symlink, without throwing', async () => {
    const dir = tempDir();
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'link'));
    expect(await exists(path.join(dir, 'missing'))).toBe(false);
    expect(await exists(path.join(dir, 'missing', 'deeper'))).toBe(false);
    expect(await exists(path.join(dir, 'link'))).toBe(false);
  });
});
