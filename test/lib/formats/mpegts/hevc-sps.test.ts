import { describe, expect, it } from 'vitest';
import { parseHevcSps } from '../../../../src/lib/formats/mpegts/hevc-sps.js';
import { BitWriter } from '../../../helpers/bit-writer.js';

// ITU-T H.265 §7.3.2.2 up to the conformance window, after the first NAL header byte.
function sps(o: {
  subLayers?: number;
  tier?: number;
  profile: number;
  level: number;
  width: number;
  height: number;
  window?: number[];
}): Uint8Array {
  const w = new BitWriter();
  w.bits(0x01, 8); // second NAL unit header byte
  const maxSub = (o.subLayers ?? 1) - 1;
  w.bits(0, 4).bits(maxSub, 3).bits(1, 1);
  w.bits(0, 2)
    .bits(o.tier ?? 0, 1)
    .bits(o.profile, 5);
  w.bits(0x60000000, 32); // compatibility flags 1 and 2
  w.bits(0x90, 8).bits(0, 8).bits(0, 8).bits(0, 8).bits(0, 8).bits(0, 8); // progressive, frame-only
  w.bits(o.level, 8);
  for (let i = 0; i < maxSub; i++) w.bits(1, 1).bits(1, 1);
  if (maxSub > 0) for (let i = maxSub; i < 8; i++) w.bits(0, 2);
  for (let i = 0; i < maxSub; i++) w.bits(0, 32).bits(0, 32).bits(0, 24).bits(0, 8);
  w.ue(0).ue(1).ue(o.width).ue(o.height);
  if (o.window) w.bits(1, 1).ue(o.window[0]!).ue(o.window[1]!).ue(o.window[2]!).ue(o.window[3]!);
  else w.bits(0, 1);
  w.bits(1, 1);
  return w.escaped();
}

describe('parseHevcSps (ITU-T H.265 §7.3.2.2, ISO/IEC 14496-15 E.3)', () => {
  it('gives the hvc1 codec string and picture size', () => {
    expect(parseHevcSps(sps({ profile: 1, level: 93, width: 1280, height: 720 }))).toEqual({
      codecs: 'hvc1.1.6.L93.90',
      width: 1280,
      height: 720,
    });
  });

  it('applies the conformance window and skips sub-layer profile/level', () => {
    expect(parseHevcSps(sps({ subLayers: 3, tier: 1, profile: 2, level: 120, width: 1920, height: 1088, window: [0, 0, 0, 4] }))).toEqual({
      codecs: 'hvc1.2.6.H120.90',
      width: 1920,
      height: 1080,
    });
  });

  it('returns null when the SPS is cut short', () => {
    expect(parseHevcSps(sps({ profile: 1, level: 93, width: 1280, height: 720 }).subarray(0, 8))).toBeNull();
  });
});
