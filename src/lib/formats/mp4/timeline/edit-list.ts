// The part of a track's edit list (ISO/IEC 14496-12 §8.6.6) that players apply to a stream:
// the initial empty edits (the track starts that much after the movie) and the media time the
// first real edit starts at (samples before it are lead-in, e.g. a B-frame delay or AAC priming).
// Further edits (dwells, cuts, rate changes) are not modelled: a stream has one timeline.
import { boxEnd, findBox, fullBoxOf, type BoxHeader } from '../boxes.js';
import { i32, u32, u64, viewOf } from '../byte-reader.js';
import { Mp4FormatError } from '../errors.js';

export interface EditList {
  /** Sum of the initial empty edits' segment_duration, in movie (mvhd) timescale units. */
  readonly emptyDuration: number;
  /** media_time of the first non-empty edit, in track (mdhd) timescale units; 0 when none. */
  readonly mediaTime: number;
}

// Layout of elst: u32 entry_count; per entry, version 1: u64 segment_duration, i64 media_time;
// version 0: u32 segment_duration, i32 media_time; then i16 media_rate_integer, i16 media_rate_fraction.
// media_time -1 marks an empty edit.
export function parseEditList(bytes: Uint8Array, trak: BoxHeader): EditList | undefined {
  const elst = findBox(bytes, ['edts', 'elst'], trak);
  if (!elst) return undefined;
  const { version, body } = fullBoxOf(bytes, elst);
  const inBox = bytes.subarray(0, boxEnd(elst));
  const count = u32(inBox, body, 'elst entry_count');
  const entryBytes = version === 1 ? 20 : 12;
  if (body + 4 + count * entryBytes > boxEnd(elst)) throw new Mp4FormatError(`elst claims ${count} entries, box too short`);
  let emptyDuration = 0;
  for (let e = 0; e < count; e++) {
    const at = body + 4 + e * entryBytes;
    const duration = version === 1 ? u64(inBox, at, 'elst segment_duration') : u32(inBox, at, 'elst segment_duration');
    const mediaTime = version === 1 ? signed64(inBox, at + 8) : i32(inBox, at + 4, 'elst media_time');
    if (mediaTime !== -1) return { emptyDuration, mediaTime: Math.max(0, mediaTime) };
    emptyDuration += duration;
  }
  return { emptyDuration, mediaTime: 0 };
}

// An i64 media_time: -1 (empty edit) or a time below 2^53.
function signed64(bytes: Uint8Array, at: number): number {
  const value = viewOf(bytes).getBigInt64(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -1n) throw new Mp4FormatError(`elst media_time ${value} out of range`);
  return Number(value);
}
