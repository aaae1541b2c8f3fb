// A movie's tracks and per-sample tables from its `moov` box alone (ISO/IEC 14496-12 §8.2-§8.7):
// everything segment planning, extract building and a master playlist need, with no file I/O.
import { boxEnd, childrenOf, findBox, fullBoxOf, readBoxHeader, requireBox, type BoxHeader } from './boxes.js';
import { fourcc, u16, u32, u64 } from './byte-reader.js';
import { Mp4FormatError } from './errors.js';
import { parseStsd, type SampleEntryInfo } from './sample-entry.js';
import { MAX_SAMPLES_PER_TRACK, parseSampleTable, type SampleTable } from './sample-tables.js';
import { trackLabels, type TrackLabels } from './track-labels.js';
import { parseEditList, type EditList } from './timeline/edit-list.js';

// Kept so that an extract can copy a box out of the moov bytes unchanged.
export interface ByteRange {
  readonly offset: number;
  readonly size: number;
}

// One track with everything planning, extracting and master playlists need, so none re-parses.
export interface Track extends SampleEntryInfo, TrackLabels {
  readonly id: number;
  /** hdlr handler_type: 'vide', 'soun', or anything else ('hint', 'text', 'meta', ...). */
  readonly handler: string;
  /** mdhd timescale: units per second of every time in `samples`. */
  readonly timescale: number;
  readonly mediaDuration: number;
  /** tkhd width/height (integer part of 16.16) when non-zero, else the visual sample entry's. */
  readonly width?: number;
  readonly height?: number;
  /** The tkhd matrix turns the picture by 90° or 270° (a phone held upright): shown as height × width. */
  readonly quarterTurn?: boolean;
  /** The tkhd matrix turns the picture by 180° (a phone held upside down): shown at its stored size. */
  readonly halfTurn?: boolean;
  /** The `trak` box inside the moov bytes, header included. */
  readonly trak: ByteRange;
  readonly samples: SampleTable;
  /** The edts/elst a player applies (timeline/presentation.ts puts the samples on it); absent without one. */
  readonly edits?: EditList;
}

// Everything known about the file before any media byte is read (the moov is all a plan needs).
export interface Movie {
  readonly timescale: number;
  readonly duration: number;
  /** An `mvex` is present: samples live in movie fragments, not (only) in the moov's tables. */
  readonly fragmented: boolean;
  /** The `mvhd` box inside the moov bytes, header included. */
  readonly mvhd: ByteRange;
  readonly tracks: readonly Track[];
}

const rangeOf = (box: BoxHeader): ByteRange => ({ offset: box.offset, size: box.size });

// mvhd (§8.2.2) and mdhd (§8.4.2) share their time fields:
//   version 1: u64 creation_time; u64 modification_time; u32 timescale; u64 duration
//   version 0: u32 creation_time; u32 modification_time; u32 timescale; u32 duration
const inBoxOf = (bytes: Uint8Array, box: BoxHeader): Uint8Array => bytes.subarray(0, boxEnd(box));

export function timescaleAndDuration(bytes: Uint8Array, box: BoxHeader): { timescale: number; duration: number } {
  const { version, body } = fullBoxOf(bytes, box);
  const wide = version === 1;
  const timescale = u32(inBoxOf(bytes, box), body + (wide ? 16 : 8), `${box.type} timescale`);
  const inBox = bytes.subarray(0, boxEnd(box));
  const duration = wide ? u64(inBox, body + 20, `${box.type} duration`) : u32(inBox, body + 12, `${box.type} duration`);
  if (timescale === 0) throw new Mp4FormatError(`${box.type} timescale is 0`);
  return { timescale, duration };
}

// Layout of tkhd (§8.3.2): version 1: u64 creation; u64 modification; u32 track_ID; u32 reserved; u64 duration
// (version 0: four u32 + u32 duration); then u32[2] reserved; i16 layer; i16 alternate_group;
// i16 volume; u16 reserved; i32[9] matrix; u32 width (16.16); u32 height (16.16).
// The matrix's first row is {a, b, u}: a = 0 with b ≠ 0 is a quarter turn, a < 0 with b = 0 a
// half turn (§8.3.2, §6.2.2; 16.16 fixed point, signed).
export function trackHeader(
  bytes: Uint8Array,
  tkhd: BoxHeader,
): { id: number; width: number; height: number; quarterTurn: boolean; halfTurn: boolean } {
  const { version, body } = fullBoxOf(bytes, tkhd);
  const fixed = version === 1 ? 32 : 20;
  const inBox = bytes.subarray(0, boxEnd(tkhd));
  const a = u32(inBox, body + fixed + 16, 'tkhd matrix');
  const b = u32(inBox, body + fixed + 20, 'tkhd matrix');
  return {
    quarterTurn: a === 0 && b !== 0,
    halfTurn: a >= 0x8000_0000 && b === 0,
    id: u32(inBox, body + (version === 1 ? 16 : 8), 'tkhd track_ID'),
    width: u16(inBox, body + fixed + 52, 'tkhd width'),
    height: u16(inBox, body + fixed + 56, 'tkhd height'),
  };
}

// Layout of hdlr (§8.4.3): u32 pre_defined; u32 handler_type; ...
function handlerOf(bytes: Uint8Array, trak: BoxHeader): string {
  const hdlr = requireBox(bytes, ['mdia', 'hdlr'], trak);
  const { body } = fullBoxOf(bytes, hdlr);
  return fourcc(bytes.subarray(0, boxEnd(hdlr)), body + 4, 'hdlr handler_type');
}

function parseTrak(bytes: Uint8Array, trak: BoxHeader): Track {
  const header = trackHeader(bytes, requireBox(bytes, ['tkhd'], trak));
  const handler = handlerOf(bytes, trak);
  const { timescale, duration } = timescaleAndDuration(bytes, requireBox(bytes, ['mdia', 'mdhd'], trak));
  const stbl = requireBox(bytes, ['mdia', 'minf', 'stbl'], trak);
  const entry = parseStsd(bytes, requireBox(bytes, ['stsd'], stbl), handler);
  const edits = parseEditList(bytes, trak);
  return {
    ...entry,
    ...trackLabels(bytes, trak),
    id: header.id,
    handler,
    timescale,
    mediaDuration: duration,
    width: header.width || entry.width,
    height: header.height || entry.height,
    ...(header.quarterTurn ? { quarterTurn: true } : {}),
    ...(header.halfTurn ? { halfTurn: true } : {}),
    trak: rangeOf(trak),
    samples: parseSampleTable(bytes, stbl),
    ...(edits ? { edits } : {}),
  };
}

// Hostile tracks each under the per-track limit must not add up without bound either.
const MAX_SAMPLES_PER_MOVIE = 2 * MAX_SAMPLES_PER_TRACK;

// `moovBytes` is the whole top-level moov box, header included (as the top-level walk reads it).
export function parseMoov(moovBytes: Uint8Array): Movie {
  const moov = readBoxHeader(moovBytes, 0);
  if (moov.type !== 'moov') throw new Mp4FormatError(`expected a 'moov' box, found '${moov.type}'`);
  if (moov.size !== moovBytes.length) throw new Mp4FormatError(`moov is ${moov.size} bytes, ${moovBytes.length} given`);
  const children = childrenOf(moovBytes, moov);
  const mvhd = children.find((b) => b.type === 'mvhd');
  if (!mvhd) throw new Mp4FormatError('moov has no mvhd');
  let total = 0;
  const tracks = children
    .filter((b) => b.type === 'trak')
    .map((trak) => {
      const track = parseTrak(moovBytes, trak);
      total += track.samples.count;
      if (total > MAX_SAMPLES_PER_MOVIE) throw new Mp4FormatError(`more than ${MAX_SAMPLES_PER_MOVIE} samples in one movie`);
      return track;
    });
  return {
    ...timescaleAndDuration(moovBytes, mvhd),
    fragmented: findBox(moovBytes, ['mvex'], moov) !== undefined,
    mvhd: rangeOf(mvhd),
    tracks,
  };
}
