import { describe, expect, it } from 'vitest';
import { sniffMp4 } from '../../../../src/lib/formats/mp4/sniff.js';

// An ISO BMFF box header (ISO/IEC 14496-12 §4.2): 32-bit big-endian size, four-character type.
const box = (size: number, type: string) => {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return head;
};

describe('sniffMp4', () => {
  it.each(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'styp', 'moof', 'sidx', 'uuid'])('accepts a file starting with %s', (type) => {
    expect(sniffMp4(box(32, type))).toBeNull();
  });

  it('accepts size 0 (to end of file) and 1 (64-bit size follows)', () => {
    expect(sniffMp4(box(0, 'mdat'))).toBeNull();
    expect(sniffMp4(box(1, 'mdat'))).toBeNull();
  });

  it('refuses what is not an MP4', () => {
    expect(sniffMp4(Buffer.from('this is not an mp4 file at all\n'))).toBe('no MP4 box at the start');
    expect(sniffMp4(Buffer.from([0x47, 0x40, 0x00, 0x10, 0, 0, 0, 0]))).toBe('no MP4 box at the start'); // MPEG-TS
    expect(sniffMp4(box(4, 'ftyp'))).toBe('bad box size');
    expect(sniffMp4(Buffer.from('abc'))).toBe('file too short');
    expect(sniffMp4(new Uint8Array(0))).toBe('file too short');
  });
});
