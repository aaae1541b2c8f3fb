import { describe, expect, it } from 'vitest';
import { parseH264Sps } from '../../../../src/lib/formats/mpegts/h264-sps.js';
import { BitWriter } from '../../../helpers/bit-writer.js';

// ITU-T H.264 §7.3.2.1.1, written field by field.
function sps(o: {
  profile: number;
  level: number;
  widthMbs: number;
  heightUnits: number;
  frameMbsOnly?: boolean;
  crop?: number[];
  scaling?: boolean;
}): Uint8Array {
  const w = new BitWriter();
  w.bits(o.profile, 8).bits(0, 8).bits(o.level, 8).ue(0);
  if (o.profile === 100) {
    w.ue(1).ue(0).ue(0).bits(0, 1); // chroma 4:2:0, 8-bit
    w.bits(o.scaling ? 1 : 0, 1);
    if (o.scaling) for (let i = 0; i < 8; i++) (w.bits(i === 0 ? 1 : 0, 1), i === 0 && w.se(-8)); // list 0: one delta making next = 0
  }
  w.ue(0).ue(0).ue(4); // log2_max_frame_num, poc type 0, log2_max_poc_lsb
  w.ue(4)
    .bits(0, 1)
    .ue(o.widthMbs - 1)
    .ue(o.heightUnits - 1);
  w.bits(o.frameMbsOnly === false ? 0 : 1, 1);
  if (o.frameMbsOnly === false) w.bits(0, 1);
  w.bits(1, 1);
  if (o.crop) w.bits(1, 1).ue(o.crop[0]!).ue(o.crop[1]!).ue(o.crop[2]!).ue(o.crop[3]!);
  else w.bits(0, 1);
  w.bits(0, 1).bits(1, 1); // no VUI, rbsp_stop_one_bit
  return w.escaped();
}

describe('parseH264Sps (ITU-T H.264 §7.3.2.1.1)', () => {
  it('gives avc1.PPCCLL and the picture size', () => {
    expect(parseH264Sps(sps({ profile: 100, level: 31, widthMbs: 80, heightUnits: 45 }))).toEqual({
      codecs: 'avc1.64001f',
      width: 1280,
      height: 720,
    });
  });

  it('applies frame cropping (1080p is coded as 1088 lines) and field coding', () => {
    expect(parseH264Sps(sps({ profile: 100, level: 40, widthMbs: 120, heightUnits: 68, crop: [0, 0, 0, 4] }))).toMatchObject({
      width: 1920,
      height: 1080,
    });
    expect(parseH264Sps(sps({ profile: 77, level: 30, widthMbs: 45, heightUnits: 18, frameMbsOnly: false }))).toEqual({
      codecs: 'avc1.4d001e',
      width: 720,
      height: 576,
    });
  });

  it('skips scaling lists', () => {
    expect(parseH264Sps(sps({ profile: 100, level: 31, widthMbs: 80, heightUnits: 45, scaling: true }))).toMatchObject({
      width: 1280,
      height: 720,
    });
  });

  it('returns null when the SPS is cut short', () => {
    expect(parseH264Sps(sps({ profile: 100, level: 31, widthMbs: 80, heightUnits: 45 }).subarray(0, 5))).toBeNull();
  });
});
