import { describe, expect, it } from 'vitest';
import { CasterpakError } from '../../../../src/lib/shared/errors.js';
import { PesHeaderReader, unwrapPts } from '../../../../src/lib/formats/mpegts/pes.js';
import { TsFormatError } from '../../../../src/lib/formats/mpegts/errors.js';
import { trickPlayError } from '../../../../src/lib/trick-play/scan-errors.js';

// ISO/IEC 13818-1 §2.4.3.6 header with a PTS: 00 00 01 E0 len len 80 80 05 <5 PTS bytes>
const withPts = (pts: number) => {
  const high = Math.floor(pts / 2 ** 30) & 7;
  const low = pts % 2 ** 30;
  return new Uint8Array([
    0,
    0,
    1,
    0xe0,
    0,
    0,
    0x80,
    0x80,
    5,
    0x21 | (high << 1),
    (low >> 22) & 0xff,
    (((low >> 15) & 0x7f) << 1) | 1,
    (low >> 7) & 0xff,
    ((low & 0x7f) << 1) | 1,
    0xaa,
  ]);
};

describe('PesHeaderReader (ISO/IEC 13818-1 §2.4.3.6–7)', () => {
  it('reads the 33-bit PTS and returns where the elementary stream starts', () => {
    const reader = new PesHeaderReader();
    const bytes = withPts(2 ** 33 - 1);
    expect(reader.feed(bytes, 0, bytes.length, 'x', 0)).toBe(14);
    expect(reader.done).toBe(true);
    expect(reader.pts()).toBe(2 ** 33 - 1);
  });

  it('accepts the header one byte at a time and skips optional fields', () => {
    const reader = new PesHeaderReader();
    // no PTS, 3 bytes of optional fields to skip
    const bytes = new Uint8Array([0, 0, 1, 0xe0, 0, 0, 0x80, 0x00, 3, 1, 2, 3, 0x99]);
    let at = 0;
    while (!reader.done) at = reader.feed(bytes, at, at + 1, 'x', 0);
    expect(at).toBe(12);
    expect(reader.pts()).toBe(-1);
  });

  it('throws BAD_TS on a missing start code or a non-video stream id, UNSUPPORTED_MEDIA when scrambled', () => {
    const codeOf = (bytes: number[]) => {
      try {
        new PesHeaderReader().feed(new Uint8Array(bytes), 0, bytes.length, 'seg.ts', 940);
      } catch (thrown) {
        expect(thrown).toBeInstanceOf(TsFormatError);
        const error = trickPlayError(thrown);
        return [(error as CasterpakError).code, (error as Error).message];
      }
      return null;
    };
    expect(codeOf([0, 0, 2, 0xe0, 0, 0, 0x80, 0, 0])).toEqual(['BAD_TS', 'seg.ts: video packet without a PES start code at offset 940']);
    expect(codeOf([0, 0, 1, 0xc0, 0, 0, 0x80, 0, 0])?.[0]).toBe('BAD_TS');
    expect(codeOf([0, 0, 1, 0xe0, 0, 0, 0x90, 0, 0])?.[0]).toBe('UNSUPPORTED_MEDIA');
    expect(codeOf([0, 0, 1, 0xe0, 0, 0, 0x80, 0x40, 0])?.[1]).toMatch(/forbidden PTS_DTS_flags/);
    expect(codeOf([0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 2])?.[1]).toMatch(/too short for its PTS/);
  });
});

describe('unwrapPts', () => {
  it('follows the 33-bit counter across a wrap in both directions', () => {
    expect(unwrapPts(100, 2 ** 33 - 100)).toBe(2 ** 33 + 100);
    expect(unwrapPts(2 ** 33 - 100, 2 ** 33 + 100)).toBe(2 ** 33 - 100);
    expect(unwrapPts(2 ** 33 - 100, 100)).toBe(-100);
    expect(unwrapPts(5000, 1000)).toBe(5000);
  });
});
