// casterpak's per-rendition segment index (`.segments.idx` beside the playlist): what packaging a
// segment alone needs, so a segment request never parses the moov again. Layout:
//   'CPIX' | u32 version | u32 header offset | u32 header length | extract header | sample records | header (JSON)
// The header comes last so the records are written straight into the file's buffer, not copied
// into it (a 2-hour film's are 2.6 MB). The records are laid out segment after segment (each
// segment's tracks in header order), so one positioned read fetches a segment's and nothing else.
// A track's records for one segment start from nothing (no state carried over from the segment
// before); per sample:
//   u8 flags: 0x01 sync | 0x02 offset follows | 0x04 duration follows | bits 3-7: composition
//     offset as an index into the track's `compositionOffsets` (31: a zigzag varint follows)
//   [offset: varint for the first sample (absent: 0), else zigzag varint of the gap after the
//   sample before (absent: none)] [varint duration (absent: the one before's)]
//   [zigzag varint composition offset] varint size
// A varint is 7 bits a byte, least significant first (as LEB128). About 4-5 bytes a sample
// (version 1: 21): the gap is the other track's chunk between two of this track's. Version 2
// had the same records with the header before them.
import { buildExtractHeader, type SampleSlice } from '../../formats/mp42hls/extract.js';
import { extractAudioRange, type PlannedSegment, type SegmentPlan } from '../../formats/mp42hls/segment-plan.js';
import { predictSegmentBytes } from '../../formats/mp42hls/segment-size.js';
import { Mp4FormatError } from '../../formats/mp4/errors.js';
import type { Movie, Track } from '../../formats/mp4/moov.js';
import { decodeTimesOf, offsetRange, samplesIn } from '../../formats/mp4/sample-tables.js';
import { segmentColumns, type IndexSegment, type IndexSegments } from './segments.js';

const MAGIC = 0x43504958; // 'CPIX'
const VERSION = 3;
export const PREAMBLE = 16;

const [SYNC, OFFSET, DURATION] = [0x01, 0x02, 0x04];
const PALETTE = 31;
const MAX_GAP = 2 ** 52; // composition offset codes 0..30 name a palette entry; 31 says one follows

// A file that is not an index of this version: the caller makes it again.
export class IndexFormatError extends Error {}

export interface IndexTrack {
  readonly kind: 'video' | 'audio';
  readonly trackId: number;
  readonly descriptionIndex: number;
  /** The composition offsets a flags byte can name (at most 31, the first ones met). */
  readonly compositionOffsets: readonly number[];
}

export interface IndexHeader {
  readonly version: number;
  readonly source: { readonly size: number; readonly version: string };
  readonly segmentDuration: number;
  readonly tracks: readonly IndexTrack[];
  readonly segments: IndexSegments;
  /** Where the extract header and the first record are in the file (follow from the preamble; not stored). */
  readonly extractHeader: { readonly offset: number; readonly length: number };
  readonly recordsAt: number;
}

// The file's bytes, growing as the records are written after `start` (the preamble and the
// extract header), first sized for the usual ~5 bytes a sample so a long film's records are not
// copied over and over as it grows.
class RecordWriter {
  bytes: Uint8Array;
  length: number;

  constructor(start: number, samples: number) {
    this.bytes = new Uint8Array(Math.max(1 << 16, start + samples * 6));
    this.length = start;
  }

  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

// Zigzag (0, -1, 1, -2 … as 0, 1, 2, 3 …) keeps small negative composition offsets short.
const zigzag = (n: number): number => (n < 0 ? -2 * n - 1 : 2 * n);
const unzigzag = (n: number): number => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);

// A track's palette: the first composition offsets met (at most 31), each named by its code. Met
// as the records are written, in the samples' order (the segments in order, each track's ranges
// ascending), so no walk over the samples before (a 2-hour film's 180,000 offsets, decoded whole
// for it before). A value's code by a table over the track's range of offsets (known from its
// ctts runs: offsetRange) when that spans little, as it does (a few frame durations), else by
// searching the palette; a search per sample cost more than the rest of the record.
const TABLE_SPAN = 1 << 16;
const UNSEEN = 0xff;
class Palette {
  readonly offsets: number[] = [];
  readonly min: number;
  /** The code of value v at [v - min]: UNSEEN until it is met. */
  readonly table: Uint8Array | null;

  constructor({ lowest, largest }: ReturnType<typeof offsetRange>) {
    this.min = lowest;
    this.table = largest - lowest < TABLE_SPAN ? new Uint8Array(largest - lowest + 1).fill(UNSEEN) : null;
  }

  /** The code of `offset`: its table entry, or found in the palette (UNSEEN too for a value outside
   * the range the table covers: only a table changed after it was read). */
  codeOf(offset: number): number {
    const code = this.table?.[offset - this.min] ?? UNSEEN;
    return code === UNSEEN ? this.meet(offset) : code;
  }

  /** The code of `offset` when its table entry is UNSEEN (or there is no table): it joins the
   * palette when it is new and there is room; PALETTE otherwise. */
  private meet(offset: number): number {
    const { offsets, table } = this;
    let code = 0;
    // A loop, not indexOf: a builtin call per sample (without a table) costs more.
    while (code < offsets.length && offsets[code] !== offset) code++;
    if (code === offsets.length && code < PALETTE) offsets.push(offset);
    if (table !== null) table[offset - this.min] = code;
    return code;
  }
}

// `value` (below 2^53) at `at`; returns where the next byte goes. Bit operations while it fits 31 bits.
function varint(bytes: Uint8Array, at: number, value: number): number {
  if (value < 0x80) {
    bytes[at] = value; // most records' fields: one byte, without the loops
    return at + 1;
  }
  for (; value >= 0x80000000; value = Math.floor(value / 0x80)) bytes[at++] = (value % 0x80) | 0x80;
  for (; value >= 0x80; value >>>= 7) bytes[at++] = (value & 0x7f) | 0x80;
  bytes[at++] = value;
  return at;
}

// The varint of a size (below 2^32): its usual one to three bytes written inline.
function sizeVarint(bytes: Uint8Array, at: number, size: number): number {
  if (size < 0x80) {
    bytes[at] = size;
    return at + 1;
  }
  if (size < 0x4000) {
    bytes[at] = (size & 0x7f) | 0x80;
    bytes[at + 1] = size >>> 7;
    return at + 2;
  }
  if (size < 0x200000) {
    bytes[at] = (size & 0x7f) | 0x80;
    bytes[at + 1] = ((size >>> 7) & 0x7f) | 0x80;
    bytes[at + 2] = size >>> 14;
    return at + 3;
  }
  return varint(bytes, at, size);
}

// One record per sample (the layout above). The first sample of the range is written apart: its
// offset is absolute and its duration always follows, so the loop over the rest has no such test.
function writeRecords(out: RecordWriter, track: Track, palette: Palette, start: number, end: number): void {
  if (end <= start) return;
  const t = track.samples;
  const { sync } = t;
  // The segment's samples read for it alone (samplesIn): these four count from `start`.
  const sizes = samplesIn(t, 'sizes', start, end);
  const offsets = samplesIn(t, 'offsets', start, end);
  const durations = samplesIn(t, 'durations', start, end);
  const compositionOffsets = samplesIn(t, 'compositionOffsets', start, end);
  out.reserve((end - start) * 24); // flags + at most 8 + 5 + 5 + 5 bytes of varints
  const bytes = out.bytes;
  let at = out.length;
  let code = palette.codeOf(compositionOffsets[0]);
  const first = offsets[0];
  bytes[at++] = (sync[start] !== 0 ? SYNC : 0) | (first !== 0 ? OFFSET : 0) | DURATION | (code << 3);
  if (first !== 0) at = varint(bytes, at, first);
  at = varint(bytes, at, durations[0]);
  if (code === PALETTE) at = varint(bytes, at, zigzag(compositionOffsets[0]));
  at = sizeVarint(bytes, at, sizes[0]);
  let next = first + sizes[0]; // where the sample after would start without a gap
  let duration = durations[0];
  for (let i = start + 1; i < end; i++) {
    const gap = offsets[i - start] - next;
    // zigzag doubles a gap: exact for every even result, so refuse what only a hostile moov holds
    if (gap < -MAX_GAP) throw new Mp4FormatError(`track ${track.id}: sample ${i + 1} lies ${-gap} bytes before the one before it`);
    const size = sizes[i - start];
    next = offsets[i - start] + size;
    const newDuration = durations[i - start] !== duration;
    duration = durations[i - start];
    const offset = compositionOffsets[i - start];
    code = palette.codeOf(offset);
    bytes[at++] = (sync[i] !== 0 ? SYNC : 0) | (gap !== 0 ? OFFSET : 0) | (newDuration ? DURATION : 0) | (code << 3);
    if (gap !== 0) at = varint(bytes, at, zigzag(gap));
    if (newDuration) at = varint(bytes, at, duration);
    if (code === PALETTE) at = varint(bytes, at, zigzag(offset));
    at = sizeVarint(bytes, at, size);
  }
  out.length = at;
}

// The whole index of a planned movie (`source`: the identity its segments are valid for).
export function encodeSegmentIndex(moov: Uint8Array, movie: Movie, plan: SegmentPlan, source: IndexHeader['source']): Uint8Array {
  const tracks = [plan.videoTrack, plan.audioTrack]
    .filter((t): t is Track => t !== undefined)
    .sort((x, y) => x.trak.offset - y.trak.offset);
  const rangesOf = (s: PlannedSegment) => tracks.map((t) => (t === plan.videoTrack ? s.video! : extractAudioRange(s)!));
  // The records written: one per sample of each segment's ranges (an audio lookahead sample twice).
  const records = plan.segments.reduce((n, s) => rangesOf(s).reduce((m, { start, end }) => m + Math.max(0, end - start), n), 0);
  const palettes = tracks.map((t) => new Palette(offsetRange(t.samples)));
  const extractHeader = buildExtractHeader(moov, movie, plan);
  const recordsAt = PREAMBLE + extractHeader.length;
  const out = new RecordWriter(recordsAt, records);
  const times = tracks.map((t) => decodeTimesOf(t.samples)); // each segment's first alone: no table decoded whole
  const segments: IndexSegment[] = plan.segments.map((s, i) => {
    const ranges = rangesOf(s).map((range, k) => [range.start, range.end, range.end > range.start ? times[k].at(range.start) : 0] as const);
    const at = out.length - recordsAt;
    const lengths = tracks.map((t, k) => {
      const before = out.length;
      writeRecords(out, t, palettes[k], ranges[k][0], ranges[k][1]);
      return out.length - before;
    });
    return {
      extinf: s.extinf,
      ranges,
      records: [at, ...lengths],
      lookahead: s.audioLookahead,
      pes: tracks.map((t, k) => ranges[k][1] - ranges[k][0] - (t === plan.audioTrack ? s.audioLookahead : 0)),
      span: [s.span.start, s.span.end],
      standalone: s.standalone,
      bytes: predictSegmentBytes(plan, i),
    };
  });
  const stored = {
    version: VERSION,
    source,
    segmentDuration: plan.segmentDuration,
    tracks: tracks.map((t, k) => ({
      kind: t === plan.videoTrack ? ('video' as const) : ('audio' as const),
      trackId: t.id,
      descriptionIndex: t.samples.sampleDescriptionIndexes[0] ?? 1,
      compositionOffsets: palettes[k].offsets,
    })),
    segments,
    extractHeaderLength: extractHeader.length,
  };
  const json = new TextEncoder().encode(JSON.stringify(stored));
  const jsonAt = out.length;
  out.reserve(json.length);
  const bytes = out.bytes;
  bytes.set(json, jsonAt);
  bytes.set(extractHeader, PREAMBLE);
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  dv.setUint32(0, MAGIC);
  dv.setUint32(4, VERSION);
  dv.setUint32(8, jsonAt);
  dv.setUint32(12, json.length);
  return bytes.subarray(0, jsonAt + json.length);
}

// Where the header is, from the first PREAMBLE bytes; throws on anything that is not an index of this version.
export function headerAt(preamble: Uint8Array): { offset: number; length: number } {
  const dv = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength);
  if (preamble.length < PREAMBLE || dv.getUint32(0) !== MAGIC || dv.getUint32(4) !== VERSION)
    throw new IndexFormatError('not a casterpak segment index (or another version)');
  return { offset: dv.getUint32(8), length: dv.getUint32(12) };
}

export function decodeHeader(json: Uint8Array): IndexHeader {
  const {
    extractHeaderLength,
    segments: parsed,
    ...stored
  } = JSON.parse(new TextDecoder().decode(json)) as Omit<IndexHeader, 'extractHeader' | 'recordsAt' | 'segments'> & {
    segments: IndexSegment[];
    extractHeaderLength: number;
  };
  if (stored.version !== VERSION) throw new IndexFormatError(`segment index header of version ${stored.version}`);
  let segments: IndexSegments;
  try {
    segments = segmentColumns(parsed, stored.tracks.length);
  } catch (error) {
    throw new IndexFormatError(`segment index header: ${(error as Error).message}`);
  }
  return {
    ...stored,
    segments,
    extractHeader: { offset: PREAMBLE, length: extractHeaderLength },
    recordsAt: PREAMBLE + extractHeaderLength,
  };
}

/** Where segment `position` (0-based)'s records are in the index file, all its tracks' together. */
export function segmentRecords(header: IndexHeader, position: number): { offset: number; length: number } {
  const [at, ...lengths] = header.segments.at(position)!.records;
  return { offset: header.recordsAt + at, length: lengths.reduce((a, b) => a + b, 0) };
}

// Each index track's samples of segment `position` from its records (as segmentRecords locates them).
export function slicesFromRecords(header: IndexHeader, position: number, records: Uint8Array): SampleSlice[] {
  const segment = header.segments.at(position)!;
  let at = 0;
  return header.tracks.map((track, k) => {
    const [start, end, baseDecodeTime] = segment.ranges[k];
    const count = end - start;
    const [durations, sizes, cto, sync, offsets] = [
      new Uint32Array(count),
      new Uint32Array(count),
      new Int32Array(count),
      new Uint8Array(count),
      new Float64Array(count),
    ];
    const stop = at + segment.records[k + 1];
    const varint = (): number => {
      let value = 0;
      for (let scale = 1; ; scale *= 0x80) {
        if (at >= stop) throw new IndexFormatError(`segment ${position + 1}: records cut short`);
        const byte = records[at++];
        value += (byte & 0x7f) * scale;
        if (byte < 0x80) return value;
      }
    };
    for (let i = 0; i < count; i++) {
      if (at >= stop) throw new IndexFormatError(`segment ${position + 1}: records cut short`);
      const flags = records[at++];
      const code = flags >> 3;
      if (i === 0 && !(flags & DURATION)) throw new IndexFormatError(`segment ${position + 1}: a first record without its duration`);
      if (code !== PALETTE && code >= track.compositionOffsets.length)
        throw new IndexFormatError(`segment ${position + 1}: composition offset code ${code} of ${track.compositionOffsets.length}`);
      sync[i] = flags & SYNC;
      if (i === 0) offsets[i] = flags & OFFSET ? varint() : 0;
      else offsets[i] = offsets[i - 1] + sizes[i - 1] + (flags & OFFSET ? unzigzag(varint()) : 0);
      durations[i] = flags & DURATION ? varint() : durations[i - 1];
      cto[i] = code === PALETTE ? unzigzag(varint()) : track.compositionOffsets[code];
      sizes[i] = varint();
    }
    if (at !== stop) throw new IndexFormatError(`segment ${position + 1}: records of another length`);
    const { trackId, descriptionIndex } = track;
    return { trackId, descriptionIndex, baseDecodeTime, durations, sizes, sync, compositionOffsets: cto, offsets };
  });
}
