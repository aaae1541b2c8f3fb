// H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1) → CODECS string and picture size.
import { BitReader, unescapeRbsp } from './bit-reader.js';

export interface VideoFormat {
  /** RFC 6381 codec string, e.g. avc1.64001f or hvc1.1.6.L93.B0 */
  readonly codecs: string;
  readonly width: number;
  readonly height: number;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

// `rbsp` starts right after the one-byte NAL unit header. Returns null when it is cut short.
export function parseH264Sps(escaped: Uint8Array): VideoFormat | null {
  try {
    const r = new BitReader(unescapeRbsp(escaped));
    const profileIdc = r.bits(8);
    const constraints = r.bits(8);
    const levelIdc = r.bits(8);
    r.ue(); // seq_parameter_set_id
    let chromaFormatIdc = 1;
    if (HIGH_PROFILES.has(profileIdc)) {
      chromaFormatIdc = r.ue();
      if (chromaFormatIdc === 3) r.skip(1); // separate_colour_plane_flag
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.skip(1); // qpprime_y_zero_transform_bypass_flag
      if (r.bit()) {
        // seq_scaling_matrix_present_flag: scaling_list() of §7.3.2.1.1.1
        for (let i = 0; i < (chromaFormatIdc !== 3 ? 8 : 12); i++) {
          if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
        }
      }
    }
    r.ue(); // log2_max_frame_num_minus4
    const picOrderCntType = r.ue();
    if (picOrderCntType === 0) {
      r.ue(); // log2_max_pic_order_cnt_lsb_minus4
    } else if (picOrderCntType === 1) {
      r.skip(1); // delta_pic_order_always_zero_flag
      r.se(); // offset_for_non_ref_pic
      r.se(); // offset_for_top_to_bottom_field
      const cycle = r.ue();
      for (let i = 0; i < cycle; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.skip(1); // gaps_in_frame_num_value_allowed_flag
    const widthInMbs = r.ue() + 1;
    const heightInMapUnits = r.ue() + 1;
    const frameMbsOnly = r.bit();
    if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
    r.skip(1); // direct_8x8_inference_flag
    let crop = [0, 0, 0, 0];
    if (r.bit()) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
    // §7.4.2.1.1 frame_crop_*_offset units: CropUnitX/Y from chroma subsampling (Table 6-1).
    const subWidth = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
    const subHeight = chromaFormatIdc === 1 ? 2 : 1;
    const cropX = chromaFormatIdc === 0 ? 1 : subWidth;
    const cropY = (chromaFormatIdc === 0 ? 1 : subHeight) * (2 - frameMbsOnly);
    return {
      codecs: `avc1.${hex2(profileIdc)}${hex2(constraints)}${hex2(levelIdc)}`,
      width: widthInMbs * 16 - cropX * (crop[0]! + crop[1]!),
      height: (2 - frameMbsOnly) * heightInMapUnits * 16 - cropY * (crop[2]! + crop[3]!),
    };
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size && next !== 0; j++) {
    next = (last + r.se() + 256) % 256;
    if (next !== 0) last = next;
  }
}
