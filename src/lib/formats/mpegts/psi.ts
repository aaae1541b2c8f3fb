// Program Specific Information: just enough of the PAT and PMT (ISO/IEC 13818-1 §2.4.4) to find
// the video elementary stream. Sections may span packets, so they are reassembled first.
import { CasterpakError } from '../../shared/errors.js';
import { PAT_PID, packetPid, payloadOffset, payloadUnitStart } from './packet.js';
import { TS_PACKET_SIZE, TS_SYNC_BYTE } from './sync-check.js';

const STREAM_TYPE_H264 = 0x1b; // §2.4.4.9 table 2-34: ITU-T H.264
export const STREAM_TYPE_HEVC = 0x24; // ITU-T H.265
const STREAM_TYPE_H264_SAMPLE_AES = 0xdb; // Apple HLS Sample Encryption

// A PSI section (§2.4.4.1 pointer_field, §2.4.4.3 section header):
//   table_id(8) section_syntax_indicator(1) '0'(1) reserved(2) section_length(12) ...
// section_length counts the bytes after it, so a section is 3 + section_length bytes (≤ 1024).
export class SectionAssembler {
  private readonly buffer = new Uint8Array(1024 + 188);
  private length = 0;
  private active = false;

  reset(): void {
    this.length = 0;
    this.active = false;
  }

  // Feeds one packet's payload [start, end); returns the complete section or null.
  push(bytes: Uint8Array, start: number, end: number, unitStart: boolean): Uint8Array | null {
    if (unitStart) {
      const pointer = bytes[start]!;
      start += 1 + pointer;
      this.length = 0;
      this.active = start < end;
    }
    if (!this.active || start >= end) return null;
    const take = Math.min(end - start, this.buffer.length - this.length);
    this.buffer.set(bytes.subarray(start, start + take), this.length);
    this.length += take;
    if (this.length < 3) return null;
    const total = 3 + (((this.buffer[1]! & 0x0f) << 8) | this.buffer[2]!);
    if (this.length < total) return null;
    this.active = false;
    return this.buffer.subarray(0, total);
  }
}

function sectionError(name: string, what: string, offset: number): CasterpakError {
  return new CasterpakError('BAD_TS', `${name}: malformed ${what} at offset ${offset}`);
}

// PAT (§2.4.4.3): after the 8-byte header, 4-byte entries program_number(16) reserved(3) PID(13),
// then CRC_32. Program 0 is the network PID. HLS carries one program: the first one wins.
export function pmtPidFromPat(section: Uint8Array, name: string, offset: number): number | null {
  if (section[0] !== 0x00 || section.length < 12) throw sectionError(name, 'PAT', offset);
  for (let i = 8; i + 4 <= section.length - 4; i += 4) {
    const program = (section[i]! << 8) | section[i + 1]!;
    if (program !== 0) return ((section[i + 2]! & 0x1f) << 8) | section[i + 3]!;
  }
  return null;
}

export interface PmtStream {
  readonly streamType: number;
  readonly pid: number;
}

// PMT (§2.4.4.8): header(8) reserved(3) PCR_PID(13) reserved(4) program_info_length(12)
// descriptors, then per stream stream_type(8) reserved(3) elementary_PID(13) reserved(4)
// ES_info_length(12) descriptors; CRC_32 last.
export function pmtStreams(section: Uint8Array, name: string, offset: number): PmtStream[] {
  if (section[0] !== 0x02 || section.length < 16) throw sectionError(name, 'PMT', offset);
  const programInfoLength = ((section[10]! & 0x0f) << 8) | section[11]!;
  const end = section.length - 4;
  const streams: PmtStream[] = [];
  let i = 12 + programInfoLength;
  while (i + 5 <= end) {
    const streamType = section[i]!;
    const pid = ((section[i + 1]! & 0x1f) << 8) | section[i + 2]!;
    const infoLength = ((section[i + 3]! & 0x0f) << 8) | section[i + 4]!;
    streams.push({ streamType, pid });
    i += 5 + infoLength;
  }
  if (i > end) throw sectionError(name, 'PMT', offset);
  return streams;
}

export interface VideoStream {
  readonly pid: number;
  readonly streamType: typeof STREAM_TYPE_H264 | typeof STREAM_TYPE_HEVC;
}

// The lowest-PID H.264 or HEVC stream (draft-pantos-http-live-streaming-12 §4: one video stream).
export function pickVideoStream(streams: readonly PmtStream[], name: string, offset: number): VideoStream {
  const video = streams
    .filter((s) => s.streamType === STREAM_TYPE_H264 || s.streamType === STREAM_TYPE_HEVC)
    .sort((a, b) => a.pid - b.pid)[0];
  if (video) return video as VideoStream;
  if (streams.some((s) => s.streamType === STREAM_TYPE_H264_SAMPLE_AES)) {
    throw new CasterpakError(
      'UNSUPPORTED_MEDIA',
      `${name}: the video is SAMPLE-AES encrypted (stream type 0xdb) at offset ${offset}; trick play needs clear video`,
    );
  }
  const types = streams.map((s) => `0x${s.streamType.toString(16).padStart(2, '0')}`).join(', ') || 'none';
  throw new CasterpakError(
    'UNSUPPORTED_MEDIA',
    `${name}: no H.264 or HEVC video stream in the PMT at offset ${offset} (stream types: ${types})`,
  );
}

export interface ProgramTables {
  readonly video: VideoStream;
  /** offset of the first packet of the PAT section through which the PMT was found */
  readonly patOffset: number;
  /** offset just after the packet that completed the PMT */
  readonly end: number;
}

// The first PAT and the PMT it names, wherever they are in the segment. RFC 8216 §3.2 wants
// them first, but a stream cut mid-way (a recording, another packager's segmenter) starts
// with the packets that followed the cut, and the tables come with the next repetition. Only
// packet headers are read outside PSI. `missing` says which table never completed.
export function findProgramTables(bytes: Uint8Array, name: string): ProgramTables | { readonly missing: 'PAT' | 'PMT' } {
  const pat = new SectionAssembler();
  const pmt = new SectionAssembler();
  let pmtPid = -1;
  let patStart = -1;
  let patOffset = -1;
  for (let offset = 0; offset + TS_PACKET_SIZE <= bytes.length; offset += TS_PACKET_SIZE) {
    if (bytes[offset] !== TS_SYNC_BYTE) throw new CasterpakError('BAD_TS', `${name}: no sync byte 0x47 at offset ${offset}`);
    const pid = packetPid(bytes, offset);
    if (pid !== PAT_PID && pid !== pmtPid) continue;
    const start = payloadOffset(bytes, offset, name);
    if (start < 0) continue;
    const unitStart = payloadUnitStart(bytes, offset);
    if (pid === PAT_PID) {
      if (unitStart) patStart = offset;
      const section = pat.push(bytes, start, offset + TS_PACKET_SIZE, unitStart);
      if (section === null) continue;
      const found = pmtPidFromPat(section, name, offset);
      if (found !== pmtPid) pmt.reset(); // a PMT half read under another PID is not this one
      pmtPid = found ?? -1;
      patOffset = patStart;
      continue;
    }
    const section = pmt.push(bytes, start, offset + TS_PACKET_SIZE, unitStart);
    if (section === null) continue;
    return { video: pickVideoStream(pmtStreams(section, name, offset), name, offset), patOffset, end: offset + TS_PACKET_SIZE };
  }
  return { missing: pmtPid < 0 ? 'PAT' : 'PMT' };
}
