// Annex-B byte stream scanning (ITU-T H.264 Annex B, H.265 Annex B): NAL units follow a
// 0x000001 start code. The scanner runs over an access unit's elementary stream bytes, which
// arrive in TS-packet-sized pieces, only until the first VCL NAL unit tells whether the access
// unit is a key frame; SPS/PPS/VPS seen before it are noted (a range fetched alone must decode).
//
// NAL unit header: H.264 §7.3.1 forbidden_zero_bit(1) nal_ref_idc(2) nal_unit_type(5);
//                  H.265 §7.3.1.2 forbidden_zero_bit(1) nal_unit_type(6) nuh_layer_id(6) nuh_temporal_id_plus1(3).

export const PARAM_SPS = 1;
export const PARAM_PPS = 2;
const PARAM_VPS = 4;

// H.264 Table 7-1: 1–5 coded slices (5 = IDR), 7 SPS, 8 PPS, 9 access unit delimiter.
// H.265 Table 7-1: 0–31 VCL (16–23 IRAP: BLA, IDR, CRA), 32 VPS, 33 SPS, 34 PPS, 35 AUD.
export function nalType(header: number, hevc: boolean): number {
  return hevc ? (header >> 1) & 0x3f : header & 0x1f;
}

function isAud(type: number, hevc: boolean): boolean {
  return hevc ? type === 35 : type === 9;
}

// Whether [start, end) begins with a start code followed by an access unit delimiter.
export function startsWithAud(bytes: Uint8Array, start: number, end: number, hevc: boolean): boolean {
  let i = start;
  if (i + 4 <= end && bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 0 && bytes[i + 3] === 1) i += 4;
  else if (i + 3 <= end && bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) i += 3;
  else return false;
  return i < end && isAud(nalType(bytes[i]!, hevc), hevc);
}

const SPS_CAPTURE_BYTES = 1024;

export class AccessUnitScanner {
  /** the first VCL NAL unit of the access unit has been seen */
  vclFound = false;
  /** that NAL unit is an IDR (H.264) or IRAP (HEVC) picture */
  key = false;
  /** PARAM_* bits of the parameter sets seen before it */
  paramSets = 0;
  /** bytes after the first SPS NAL unit header of the stream (its RBSP, with emulation prevention) */
  readonly sps = new Uint8Array(SPS_CAPTURE_BYTES);
  spsLength = 0;
  private spsState: 'wanted' | 'capturing' | 'done' = 'wanted';
  private zeros = 0;
  private expectHeader = false;

  constructor(private readonly hevc: boolean) {}

  startAccessUnit(): void {
    this.vclFound = false;
    this.key = false;
    this.paramSets = 0;
    this.zeros = 0;
    this.expectHeader = false;
  }

  // Scans [start, end) until the first VCL NAL unit header; the start-code state carries over
  // between calls so start codes split across TS packets are found.
  scan(bytes: Uint8Array, start: number, end: number): void {
    if (this.vclFound) return;
    if (this.spsState === 'capturing') this.capture(bytes, start, end);
    const hevc = this.hevc;
    let zeros = this.zeros;
    let expectHeader = this.expectHeader;
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (expectHeader) {
        expectHeader = false;
        zeros = b === 0 ? 1 : 0;
        const type = nalType(b, hevc);
        if (hevc ? type < 32 : type >= 1 && type <= 5) {
          this.vclFound = true;
          this.key = hevc ? type >= 16 && type <= 23 : type === 5;
          if (this.spsState === 'capturing') this.spsState = 'done';
          break;
        }
        if (type === (hevc ? 33 : 7)) {
          this.paramSets |= PARAM_SPS;
          if (this.spsState === 'wanted') {
            this.spsState = 'capturing';
            this.capture(bytes, i + 1, end);
          }
        } else if (type === (hevc ? 34 : 8)) this.paramSets |= PARAM_PPS;
        else if (hevc && type === 32) this.paramSets |= PARAM_VPS;
      } else if (b === 0) {
        zeros++;
      } else {
        if (b === 1 && zeros >= 2) expectHeader = true;
        zeros = 0;
      }
    }
    this.zeros = zeros;
    this.expectHeader = expectHeader;
  }

  // Whether the access unit carries every parameter set its codec needs.
  hasParamSets(): boolean {
    const needed = this.hevc ? PARAM_SPS | PARAM_PPS | PARAM_VPS : PARAM_SPS | PARAM_PPS;
    return (this.paramSets & needed) === needed;
  }

  private capture(bytes: Uint8Array, start: number, end: number): void {
    const take = Math.min(end - start, SPS_CAPTURE_BYTES - this.spsLength);
    if (take > 0) this.sps.set(bytes.subarray(start, start + take), this.spsLength);
    this.spsLength += Math.max(0, take);
    if (this.spsLength === SPS_CAPTURE_BYTES) this.spsState = 'done';
  }
}
