import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/lib/cache/atomic-write.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an existing one, leaving no temporary file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'index.m3u8');
    await writeFileAtomic(file, 'one');
    expect(readFileSync(file, 'utf8')).toBe('one');
    writeFileSync(path.join(dir, 'other'), 'x');
    await writeFileAtomic(file, new TextEncoder().encode('two'));
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(dir).sort()).toEqual(['index.m3u8', 'other']);
  });

  it('fails without leaving anything when the directory does not exist', async () => {
    const dir = tempDir();
    await expect(writeFileAtomic(path.join(dir, 'missing', 'a.m3u8'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails when the target is a directory and cleans up its temporary file', async () => {
    const dir = tempDir();
    await expect(writeFileAtomic(dir, 'x')).rejects.toThrow();
    expect(readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`.${path.basename(dir)}.tmp-`))).toEqual([]);
  });
});
