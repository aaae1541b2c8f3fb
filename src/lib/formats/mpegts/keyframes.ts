// Key frames of an MPEG-TS segment with their byte ranges and PTS, without any external tool
// (docs/trick-play.md): PAT → PMT → video PID, PES headers → access units, NAL unit types → key
// frames. The random_access_indicator is ignored: packagers set it inconsistently. The PAT and
// PMT are looked for in the whole segment first, so video that comes before them (a stream cut
// mid-way) is read too.
//
// A key frame's range is whole TS packets from the first packet of its access unit's first PES
// to the last video packet with payload of that access unit, so interleaved audio packets inside
// are carried along. This matches what Bento4, Shaka Packager and nginx-vod-module record.
//
// Speed: between the first VCL NAL unit of an access unit and the next PES start only packet
// headers are read (nextBusyPacket); where an access unit ends is found by looking back from
// the next PES start rather than by tracking every video packet.
import { AccessUnitTracker, type KeyFrame } from './access-units.js';
import type { VideoFormat } from './h264-sps.js';
import { TsFormatError } from './errors.js';
import { TS_PACKET_SIZE, TS_SYNC_BYTE, payloadOffset } from './packet.js';
import { PesHeaderReader } from './pes.js';
import { findProgramTables, STREAM_TYPE_HEVC } from './psi.js';

export type { KeyFrame } from './access-units.js';

export interface VideoProgram {
  readonly videoPid: number;
  readonly streamType: number;
}

export interface KeyFrameScan extends VideoProgram {
  readonly name: string;
  readonly codec: 'h264' | 'hevc';
  /** offset just after the packet that completed the first PMT; undefined when there is none */
  readonly psiEnd: number | undefined;
  /** where [psiStart, psiEnd) holds the PAT and PMT and no video: 0 when no video packet comes
   *  before the PAT, else the PAT's first packet; undefined when there is no PMT */
  readonly psiStart?: number;
  readonly keyFrames: readonly KeyFrame[];
  /** key frames left out because their PES carried no PTS */
  readonly untimedKeyFrames: number;
  readonly accessUnits: number;
  /** PTS of the first access unit (90 kHz; later values are unwrapped relative to it) */
  readonly firstPts: number | undefined;
  /** largest PTS plus one frame interval: an estimate of where the segment's video ends */
  readonly endPts: number | undefined;
  /** from the first SPS, when it parses */
  readonly format: VideoFormat | undefined;
}

interface ScanOptions {
  /** the program of an earlier segment, for segments that carry no PAT/PMT */
  readonly program?: VideoProgram;
}

// Scans one whole segment held in memory. Throws TsFormatError naming `name` and the byte offset.
export function scanKeyFrames(bytes: Uint8Array, name: string, options: ScanOptions = {}): KeyFrameScan {
  const length = bytes.length;
  if (length === 0) throw new TsFormatError(`${name}: empty file at offset 0`);
  if (length % TS_PACKET_SIZE !== 0) {
    const offset = length - (length % TS_PACKET_SIZE);
    throw new TsFormatError(`${name}: truncated TS packet at offset ${offset} (size ${length})`);
  }
  const tables = findProgramTables(bytes, name);
  const own = 'video' in tables ? tables : undefined;
  const program = own ? { videoPid: own.video.pid, streamType: own.video.streamType } : options.program;
  if (program === undefined) {
    throw new TsFormatError(
      `${name}: no ${'missing' in tables ? tables.missing : 'PMT'} up to offset ${length}; is this an MPEG-TS segment?`,
    );
  }
  const { videoPid, streamType } = program;
  const psiEnd = own?.end;
  const psiStart = own && (lastPayloadPacket(bytes, own.patOffset, videoPid) < 0 ? 0 : own.patOffset);
  const pes = new PesHeaderReader();
  const units = new AccessUnitTracker(streamType === STREAM_TYPE_HEVC);
  let pesOffset = -1;
  let lastBeforePes = -1;
  // true while nothing in the current PES needs reading beyond packet headers
  let idle = true;

  for (let offset = 0; offset < length; offset += TS_PACKET_SIZE) {
    if (idle) {
      offset = nextBusyPacket(bytes, offset, length, videoPid);
      if (offset >= length) break;
    }
    if (bytes[offset] !== TS_SYNC_BYTE) {
      throw new TsFormatError(`${name}: no sync byte 0x47 at offset ${offset}`);
    }
    const b1 = bytes[offset + 1]!;
    if ((((b1 & 0x1f) << 8) | bytes[offset + 2]!) !== videoPid) continue;
    const unitStart = (b1 & 0x40) !== 0;
    const start = payloadOffset(bytes, offset, name);
    if (start < 0) continue;
    const end = offset + TS_PACKET_SIZE;
    let position = start;
    if (unitStart) {
      if (bytes[offset + 3]! & 0xc0) {
        throw new TsFormatError(`${name}: scrambled video packet at offset ${offset}; trick play needs clear video`, 'unsupported');
      }
      pes.reset();
      pesOffset = offset;
      lastBeforePes = lastPayloadPacket(bytes, offset, videoPid);
      idle = false;
    } else if (pesOffset < 0) {
      continue; // the tail of a PES that began in an earlier segment
    }
    if (!pes.done) {
      position = pes.feed(bytes, position, end, name, pesOffset);
      if (!pes.done) continue;
      units.onPes(bytes, position, end, pes.pts(), pesOffset, lastBeforePes);
    } else {
      units.scanner.scan(bytes, position, end);
    }
    idle = units.scanner.vclFound;
  }
  units.finish(lastPayloadPacket(bytes, length, videoPid));
  return {
    name,
    videoPid,
    streamType,
    codec: streamType === STREAM_TYPE_HEVC ? 'hevc' : 'h264',
    psiEnd,
    ...(psiStart === undefined ? {} : { psiStart }),
    keyFrames: units.keyFrames,
    untimedKeyFrames: units.untimedKeyFrames,
    accessUnits: units.accessUnits,
    firstPts: units.firstPts,
    endPts: units.endPts(),
    format: units.format(),
  };
}

// The hot loop: skips packets that need no work (other PIDs, video packets inside a PES whose
// key-frame question is settled) checking only sync bytes, and returns the next packet that
// needs a look: a bad sync byte or a video PES start. Kept small so V8 optimises it early in a
// fresh process.
function nextBusyPacket(bytes: Uint8Array, offset: number, length: number, videoPid: number): number {
  for (; offset < length; offset += TS_PACKET_SIZE) {
    if (bytes[offset] !== TS_SYNC_BYTE) return offset;
    const b1 = bytes[offset + 1]!;
    if ((((b1 & 0x1f) << 8) | bytes[offset + 2]!) === videoPid && b1 & 0x40) return offset;
  }
  return offset;
}

// The last packet of `pid` carrying payload before `offset` (where an access unit ends), or -1.
function lastPayloadPacket(bytes: Uint8Array, offset: number, pid: number): number {
  for (let at = offset - TS_PACKET_SIZE; at >= 0; at -= TS_PACKET_SIZE) {
    if ((((bytes[at + 1]! & 0x1f) << 8) | bytes[at + 2]!) === pid && bytes[at + 3]! & 0x10) return at;
  }
  return -1;
}
