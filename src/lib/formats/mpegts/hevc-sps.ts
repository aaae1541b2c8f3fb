// HEVC sequence parameter set (ITU-T H.265 §7.3.2.2, profile_tier_level §7.3.3) → CODECS string
// (ISO/IEC 14496-15 Annex E.3) and picture size.
import { BitReader, unescapeRbsp } from './bit-reader.js';
import type { VideoFormat } from './h264-sps.js';

// `escaped` starts right after the first byte of the two-byte NAL unit header.
export function parseHevcSps(escaped: Uint8Array): VideoFormat | null {
  try {
    const r = new BitReader(unescapeRbsp(escaped));
    r.skip(8); // second NAL unit header byte
    r.skip(4); // sps_video_parameter_set_id
    const maxSubLayersMinus1 = r.bits(3);
    r.skip(1); // sps_temporal_id_nesting_flag
    const profileSpace = r.bits(2);
    const tier = r.bit();
    const profileIdc = r.bits(5);
    const compatibility = r.bits(32);
    const constraintBytes: number[] = [];
    for (let i = 0; i < 6; i++) constraintBytes.push(r.bits(8));
    const levelIdc = r.bits(8);
    const subLayerProfile: number[] = [];
    const subLayerLevel: number[] = [];
    for (let i = 0; i < maxSubLayersMinus1; i++) {
      subLayerProfile.push(r.bit());
      subLayerLevel.push(r.bit());
    }
    if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
    for (let i = 0; i < maxSubLayersMinus1; i++) {
      if (subLayerProfile[i]) r.skip(88);
      if (subLayerLevel[i]) r.skip(8);
    }
    r.ue(); // sps_seq_parameter_set_id
    const chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) r.skip(1); // separate_colour_plane_flag
    let width = r.ue(); // pic_width_in_luma_samples
    let height = r.ue();
    if (r.bit()) {
      // conformance_window offsets are in chroma units (§7.4.3.2.1, Table 6-1 SubWidthC/SubHeightC)
      const subWidth = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
      const subHeight = chromaFormatIdc === 1 ? 2 : 1;
      width -= subWidth * (r.ue() + r.ue());
      height -= subHeight * (r.ue() + r.ue());
    }
    return { codecs: hevcCodecs(profileSpace, tier, profileIdc, compatibility, constraintBytes, levelIdc), width, height };
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

// hvc1.<space letter><profile>.<compatibility flags, bit-reversed hex>.<L|H><level>[.<constraint bytes>]
function hevcCodecs(space: number, tier: number, profile: number, compatibility: number, constraints: number[], level: number): string {
  let reversed = 0;
  for (let i = 0; i < 32; i++) reversed = reversed * 2 + ((compatibility >>> i) & 1);
  const bytes = [...constraints];
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes.pop();
  const parts = [
    'hvc1',
    `${['', 'A', 'B', 'C'][space]}${profile}`,
    reversed.toString(16),
    `${tier ? 'H' : 'L'}${level}`,
    ...bytes.map((b) => b.toString(16).toUpperCase()),
  ];
  return parts.join('.');
}
