import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { readWhole, unlinkIfThere, writeAll, writePieces } from '../../../src/lib/shared/file-io.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('writePieces', () => {
  it('writes the pieces one after the other, past the limit of pieces one writev takes', async () => {
    const pieces = Array.from({ length: 2500 }, (_, i) => Buffer.alloc(1 + (i % 7), i % 251));
    const file = path.join(tempDir(), 'pieces');
    await writePieces(file, pieces);
    expect(readFileSync(file).equals(Buffer.concat(pieces))).toBe(true);
  });

  it('writes views of a larger buffer as themselves, not the buffer behind them', async () => {
    const whole = Buffer.from('0123456789');
    const file = path.join(tempDir(), 'views');
    await writePieces(file, [whole.subarray(7), whole.subarray(2, 4)]);
    expect(readFileSync(file, 'latin1')).toBe('78923');
  });
});

describe('readWhole', () => {
  it('reads a file whole, and an empty one as empty', async () => {
    const dir = tempDir();
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    writeFileSync(path.join(dir, 'big'), bytes);
    writeFileSync(path.join(dir, 'empty'), '');
    expect((await readWhole(path.join(dir, 'big'))).equals(bytes)).toBe(true);
    expect((await readWhole(path.join(dir, 'empty'))).length).toBe(0);
  });
});

describe('unlinkIfThere', () => {
  it('removes a file, takes one already gone as done, and throws what else goes wrong', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    writeFileSync(file, 'x');
    await unlinkIfThere(file);
    expect(existsSync(file)).toBe(false);
    await unlinkIfThere(file);
    await expect(unlinkIfThere(dir)).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|EPERM)$/) });
  });
});

describe('writeAll', () => {
  it('writes a buffer of megabytes whole at the file position', async () => {
    const file = path.join(tempDir(), 'all');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 253;
    const handle = await fs.open(file, 'w');
    try {
      await writeAll(handle, Buffer.from('head'));
      await writeAll(handle, bytes);
    } finally {
      await handle.close();
    }
    expect(readFileSync(file).equals(Buffer.concat([Buffer.from('head'), bytes]))).toBe(true);
  });
});
