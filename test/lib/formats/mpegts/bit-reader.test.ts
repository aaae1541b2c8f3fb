import { describe, expect, it } from 'vitest';
import { BitReader, unescapeRbsp } from '../../../../src/lib/formats/mpegts/bit-reader.js';
import { BitWriter } from '../../../helpers/bit-writer.js';

describe('BitReader (Exp-Golomb, H.264 §9.1)', () => {
  it('reads back u(n), ue(v) and se(v)', () => {
    const w = new BitWriter().bits(5, 3).ue(0).ue(1).ue(254).se(-3).se(7).bits(0xdeadbeef, 32);
    const r = new BitReader(unescapeRbsp(w.escaped()));
    expect([r.bits(3), r.ue(), r.ue(), r.ue(), r.se(), r.se(), r.bits(32)]).toEqual([5, 0, 1, 254, -3, 7, 0xdeadbeef]);
  });

  it('removes emulation prevention bytes and throws RangeError past the end', () => {
    expect([...unescapeRbsp(new Uint8Array([0, 0, 3, 1, 0, 0, 3, 0, 3]))]).toEqual([0, 0, 1, 0, 0, 0, 3]);
    const r = new BitReader(new Uint8Array([0xff]));
    r.skip(8);
    expect(() => r.bit()).toThrow(RangeError);
    expect(() => new BitReader(new Uint8Array([0, 0, 0, 0, 0])).ue()).toThrow(RangeError);
  });
});
