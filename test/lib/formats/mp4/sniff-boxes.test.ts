import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topLevelBoxEnd } from '../../../../src/lib/formats/mp4/top-level.js';
import { media } from '../../../helpers/bento4.js';

const header = (size: number, type: string, largesize?: bigint) => {
  const bytes = Buffer.alloc(largesize === undefined ? 8 : 16);
  bytes.writeUInt32BE(size, 0);
  bytes.write(type, 4, 'latin1');
  if (largesize !== undefined) bytes.writeBigUInt64BE(largesize, 8);
  return bytes;
};

// Walks a whole file the way the packager does.
function walk(bytes: Buffer): number | string {
  let offset = 0;
  while (offset < bytes.length) {
    const end = topLevelBoxEnd(bytes.subarray(offset, offset + 16), offset, bytes.length);
    if (typeof end === 'string') return end;
    offset = end;
  }
  return offset;
}

describe('topLevelBoxEnd: top-level box walk (ISO/IEC 14496-12 §4.2)', () => {
  it('walks every good fixture to its last byte', () => {
    for (const name of ['av.mp4', 'moov-at-end.mp4', 'audio-only.mp4', 'hevc.mp4']) {
      const bytes = readFileSync(media(name));
      expect(walk(bytes), name).toBe(bytes.length);
    }
  });

  it('reads 64-bit largesize and size 0 (to the end of the file)', () => {
    expect(topLevelBoxEnd(header(1, 'mdat', 4096n), 100, 5000)).toBe(4196);
    expect(topLevelBoxEnd(header(0, 'mdat'), 100, 5000)).toBe(5000);
  });

  it('tells a box that runs past the end of the file (a cut-off copy)', () => {
    expect(topLevelBoxEnd(header(1000, 'mdat'), 40, 500)).toBe(
      'truncated: the "mdat" box at offset 40 needs 1000 bytes, the file has 460 from there',
    );
    expect(topLevelBoxEnd(header(1, 'mdat', 1n << 40n), 0, 500)).toMatch(/^truncated: the "mdat" box/);
    const cut = readFileSync(media('av.mp4')).subarray(0, 200_000);
    expect(walk(cut)).toMatch(/^truncated: the "mdat" box/);
  });

  it('tells impossible sizes and cut-off headers', () => {
    expect(topLevelBoxEnd(header(7, 'free'), 0, 500)).toBe('bad size 7 of the "free" box at offset 0');
    expect(topLevelBoxEnd(header(1, 'mdat', 8n), 0, 500)).toBe('bad size 8 of the "mdat" box at offset 0');
    expect(topLevelBoxEnd(header(1, 'mdat').subarray(0, 12), 0, 12)).toBe('truncated: "mdat" box header at offset 0 is cut off');
    expect(topLevelBoxEnd(Buffer.from([0, 0, 1]), 497, 500)).toBe(500); // stray trailing bytes are let through
  });
});
