// PES packet header (ISO/IEC 13818-1 §2.4.3.6, §2.4.3.7), read incrementally because a large
// adaptation field can push it across TS packets:
//   0..2  packet_start_code_prefix 0x000001     3  stream_id (video: 0xE0–0xEF)
//   4..5  PES_packet_length (0 = unbounded, usual for video)
//   6     '10' PES_scrambling_control(2) PES_priority(1) data_alignment_indicator(1) copyright(1) original_or_copy(1)
//   7     PTS_DTS_flags(2) ESCR_flag ES_rate_flag DSM_trick_mode_flag additional_copy_info_flag PES_CRC_flag PES_extension_flag
//   8     PES_header_data_length
//   9..13 PTS when PTS_DTS_flags is '10' or '11': '001x' PTS[32..30] m PTS[29..15] m PTS[14..0] m
import { TsFormatError } from './errors.js';

const PTS_END = 14;

export class PesHeaderReader {
  private readonly header = new Uint8Array(PTS_END);
  private consumed = 0;
  private headerLength = 0;
  private hasPts = false;
  /** true once the whole header has been consumed */
  done = false;

  reset(): void {
    this.consumed = 0;
    this.headerLength = 0;
    this.hasPts = false;
    this.done = false;
  }

  // Consumes header bytes from [position, end); returns where the elementary stream data starts
  // (== end while the header is incomplete). `packetOffset` names the PES's first packet in errors.
  feed(bytes: Uint8Array, position: number, end: number, name: string, packetOffset: number): number {
    while (position < end && !this.done) {
      if (this.consumed < PTS_END && (this.consumed < 9 || this.hasPts)) {
        this.header[this.consumed++] = bytes[position++]!;
        if (this.consumed === 9) this.checkFixedPart(name, packetOffset);
      } else {
        const skip = Math.min(end - position, this.headerLength - this.consumed);
        position += skip;
        this.consumed += skip;
      }
      if (this.consumed >= 9 && this.consumed === this.headerLength) this.done = true;
    }
    return position;
  }

  // The 33-bit PTS, or -1 when the PES carries none. Valid once `done`.
  pts(): number {
    if (!this.hasPts) return -1;
    const h = this.header;
    // The top 3 bits would overflow 32-bit bitwise arithmetic, so they are multiplied in.
    return ((h[9]! >> 1) & 0x07) * 0x40000000 + ((h[10]! << 22) | ((h[11]! >> 1) << 15) | (h[12]! << 7) | (h[13]! >> 1));
  }

  private checkFixedPart(name: string, packetOffset: number): void {
    const h = this.header;
    if (h[0] !== 0 || h[1] !== 0 || h[2] !== 1) {
      throw new TsFormatError(`${name}: video packet without a PES start code at offset ${packetOffset}`);
    }
    if (h[3]! < 0xe0 || h[3]! > 0xef) {
      throw new TsFormatError(`${name}: PES stream_id 0x${h[3]!.toString(16)} is not a video stream at offset ${packetOffset}`);
    }
    if (h[6]! >> 6 !== 0b10) {
      throw new TsFormatError(`${name}: malformed PES header at offset ${packetOffset}`);
    }
    if ((h[6]! >> 4) & 0x03) {
      throw new TsFormatError(`${name}: scrambled PES at offset ${packetOffset}; trick play needs clear video`, 'unsupported');
    }
    const flags = h[7]! >> 6;
    if (flags === 0b01) throw new TsFormatError(`${name}: forbidden PTS_DTS_flags at offset ${packetOffset}`);
    this.hasPts = flags >= 0b10;
    this.headerLength = 9 + h[8]!;
    if (this.hasPts && this.headerLength < PTS_END) {
      throw new TsFormatError(`${name}: PES header too short for its PTS at offset ${packetOffset}`);
    }
  }
}

const WRAP = 2 ** 33;

// Unwraps 33-bit 90 kHz timestamps into a monotonic-ish line: each value lands within ±2^32 of
// the previous one (§2.4.3.7: the counter wraps every ~26.5 hours).
export function unwrapPts(raw: number, previous: number): number {
  const delta = (((raw - previous) % WRAP) + WRAP) % WRAP;
  return delta >= WRAP / 2 ? previous + delta - WRAP : previous + delta;
}
