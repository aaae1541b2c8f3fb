// Program Specific Information: just enough of the PAT and PMT (ISO/IEC 13818-1 §2.4.4) to find
// the video elementary stream. Sections may span packets, so they are reassembled first.
import { TsFormatError } from './errors.js';
import { PAT_PID, TS_PACKET_SIZE, TS_SYNC_BYTE, packetPid, payloadOffset, payloadUnitStart, type PacketInfo } from './packet.js';

const STREAM_TYPE_H264 = 0x1b; // §2.4.4.9 table 2-34: ITU-T H.264
export const STREAM_TYPE_HEVC = 0x24; // ITU-T H.265
const STREAM_TYPE_H264_SAMPLE_AES = 0xdb; // Apple HLS Sample Encryption

// A PSI section (§2.4.4.1 pointer_field, §2.4.4.3 section header):
//   table_id(8) section_syntax_indicator(1) '0'(1) reserved(2) section_length(12) ...
// section_length counts the bytes after it, so a section is 3 + section_length bytes (≤ 1024).
const MAX_SECTION_BYTES = 1024;
const sectionLength = (section: Uint8Array): number => 3 + (((section[1]! & 0x0f) << 8) | section[2]!);

export class SectionAssembler {
  private readonly buffer = new Uint8Array(MAX_SECTION_BYTES + TS_PACKET_SIZE);
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
    const total = sectionLength(this.buffer);
    if (this.length < total) return null;
    this.active = false;
    return this.buffer.subarray(0, total);
  }
}

// `name` (the segment) prefixes messages when the caller has one.
const named = (name: string, what: string): string => (name ? `${name}: ${what}` : what);

// A section must be exactly as long as its section_length says and hold at least its header
// (`minimum` bytes with the CRC_32), so no read below goes past it.
function checkSection(section: Uint8Array, tableId: number, minimum: number, what: string, name: string, offset: number): void {
  if (section[0] !== tableId || section.length < minimum || sectionLength(section) !== section.length) {
    throw new TsFormatError(named(name, `malformed ${what} at offset ${offset}`));
  }
}

// PAT (§2.4.4.3): after the 8-byte header, 4-byte entries program_number(16) reserved(3) PID(13),
// then CRC_32. Program 0 is the network PID; the others' PIDs carry PMTs, in order.
export function patProgramPids(section: Uint8Array, name: string, offset: number): number[] {
  checkSection(section, 0x00, 12, 'PAT', name, offset);
  const pids: number[] = [];
  for (let i = 8; i + 4 <= section.length - 4; i += 4) {
    const program = (section[i]! << 8) | section[i + 1]!;
    if (program !== 0) pids.push(((section[i + 2]! & 0x1f) << 8) | section[i + 3]!);
  }
  return pids;
}

// HLS carries one program: the first one wins.
export function pmtPidFromPat(section: Uint8Array, name: string, offset: number): number | null {
  return patProgramPids(section, name, offset)[0] ?? null;
}

interface PmtStream {
  readonly streamType: number;
  readonly pid: number;
}

// PMT (§2.4.4.8): header(8) reserved(3) PCR_PID(13) reserved(4) program_info_length(12)
// descriptors, then per stream stream_type(8) reserved(3) elementary_PID(13) reserved(4)
// ES_info_length(12) descriptors; CRC_32 last.
export function pmtStreams(section: Uint8Array, name: string, offset: number): PmtStream[] {
  checkSection(section, 0x02, 16, 'PMT', name, offset);
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
  if (i > end) throw new TsFormatError(named(name, `malformed PMT at offset ${offset}`));
  return streams;
}

interface VideoStream {
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
    throw new TsFormatError(
      `${name}: the video is SAMPLE-AES encrypted (stream type 0xdb) at offset ${offset}; trick play needs clear video`,
      'unsupported',
    );
  }
  const types = streams.map((s) => `0x${s.streamType.toString(16).padStart(2, '0')}`).join(', ') || 'none';
  throw new TsFormatError(`${name}: no H.264 or HEVC video stream in the PMT at offset ${offset} (stream types: ${types})`, 'unsupported');
}

interface ProgramTables {
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
    if (bytes[offset] !== TS_SYNC_BYTE) throw new TsFormatError(`${name}: no sync byte 0x47 at offset ${offset}`);
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

// The PAT and the PMTs of a stream fed packet by packet (the segment checks, the continuity
// normaliser): which PIDs carry PMTs, and the stream_type of each elementary PID in the latest PMT.
export class PsiTracker {
  readonly pmtPids = new Set<number>();
  readonly streamTypes = new Map<number, number>();
  private readonly sections = new Map<number, SectionAssembler>();

  // True when the packet belongs to the PAT or a PMT (whether or not it completed a section).
  push(info: PacketInfo, offset: number): boolean {
    if (info.pid !== PAT_PID && !this.pmtPids.has(info.pid)) return false;
    if (!info.hasPayload) return true;
    let assembler = this.sections.get(info.pid);
    if (!assembler) this.sections.set(info.pid, (assembler = new SectionAssembler()));
    const section = assembler.push(info.payload, 0, info.payload.length, info.unitStart);
    if (section === null) return true;
    if (info.pid === PAT_PID) {
      for (const pid of patProgramPids(section, '', offset)) this.pmtPids.add(pid);
    } else {
      this.streamTypes.clear();
      for (const stream of pmtStreams(section, '', offset)) this.streamTypes.set(stream.pid, stream.streamType);
    }
    return true;
  }
}
