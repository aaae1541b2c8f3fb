import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsFileError, tsReadBuffer } from '../../../src/lib/packaging/ts-file.js';
import { tsFramingError } from '../../../src/lib/formats/mpegts/sync-check.js';
import { tempDir } from '../../helpers/temp-dir.js';

const packets = (n: number) => {
  const bytes = Buffer.alloc(n * 188, 0xff);
  for (let i = 0; i < n; i++) bytes[i * 188] = 0x47;
  return bytes;
};

describe('tsFileError', () => {
  it('agrees with tsFramingError on the whole file, across chunk boundaries', async () => {
    const dir = tempDir();
    const buffer = tsReadBuffer(3); // 3 packets per chunk: many chunks
    const cases: Record<string, Buffer> = {
      framed: packets(10),
      empty: Buffer.alloc(0),
      odd: packets(10).subarray(0, 1000),
      text: Buffer.from('not a transport stream'),
    };
    const broken = packets(10);
    broken[7 * 188] = 0;
    cases.broken = broken; // in the third chunk
    for (const [name, bytes] of Object.entries(cases)) {
      const file = path.join(dir, `${name}.ts`);
      writeFileSync(file, bytes);
      expect(await tsFileError(file, buffer), name).toEqual({ size: bytes.length, error: tsFramingError(readFileSync(file)) });
    }
    expect((await tsFileError(path.join(dir, 'broken.ts'), buffer)).error).toBe(`no sync byte at offset ${7 * 188}`);
  });

  it('throws for a missing file', async () => {
    await expect(tsFileError(path.join(tempDir(), 'none.ts'), tsReadBuffer())).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
