// casterpak's per-rendition segment index (`.segments.idx` beside the playlist): what packaging a
// segment alone needs, so a segment request never parses the moov again. Layout:
//   'CPIX' | u32 version | u32 header length | header (JSON) | extract header | sample records
// A sample record (RECORD bytes, big-endian): u32 duration | u32 size | i32 composition offset |
// u8 sync | f64 file offset — one per sample of each track mp42hls uses, in sample order.
import { buildExtractHeader, type SampleSlice } from '../formats/mp42hls/extract.js';
import { extractAudioRange, type SegmentPlan } from '../formats/mp42hls/segment-plan.js';
import { predictSegmentBytes } from '../formats/mp42hls/segment-size.js';
import type { Movie, Track } from '../formats/mp4/moov.js';

const MAGIC = 0x43504958; // 'CPIX'
const VERSION = 1;
export const PREAMBLE = 12;
export const RECORD = 21;

// A file that is not an index of this version: the caller makes it again.
export class IndexFormatError extends Error {}

export interface IndexTrack {
  readonly kind: 'video' | 'audio';
  readonly trackId: number;
  readonly descriptionIndex: number;
  /** Where this track's records start in the index file. */
  readonly recordsAt: number;
}

export interface IndexSegment {
  readonly extinf: string;
  /** Per index track: [first, end) of the samples the extract carries, and the first one's decode time. */
  readonly ranges: ReadonlyArray<readonly [number, number, number]>;
  /** PES the extract run writes beyond the segment (dropped, see formats/mpegts/drop-trailing-pes.ts). */
  readonly lookahead: number;
  /** PES the segment holds per index track (the extract's minus the lookahead). */
  readonly pes: readonly number[];
  readonly span: readonly [number, number];
  readonly standalone: boolean;
  /** The segment's bytes as predicted (formats/mp42hls/segment-size.ts: exact, or a close upper bound); absent in older indexes. */
  readonly bytes?: number;
}

export interface IndexHeader {
  readonly version: number;
  readonly source: { readonly size: number; readonly version: string };
  readonly segmentDuration: number;
  readonly tracks: readonly IndexTrack[];
  readonly segments: readonly IndexSegment[];
  readonly extractHeader: { readonly offset: number; readonly length: number };
}

// The whole index of a planned movie (`source`: the identity its segments are valid for).
export function encodeSegmentIndex(moov: Uint8Array, movie: Movie, plan: SegmentPlan, source: IndexHeader['source']): Uint8Array {
  const tracks = [plan.videoTrack, plan.audioTrack]
    .filter((t): t is Track => t !== undefined)
    .sort((x, y) => x.trak.offset - y.trak.offset);
  const extractHeader = buildExtractHeader(moov, movie, plan);
  const segments: IndexSegment[] = plan.segments.map((s, i) => {
    const ranges = tracks.map((t) => {
      const range = t === plan.videoTrack ? s.video! : extractAudioRange(s)!;
      return [range.start, range.end, range.end > range.start ? t.samples.decodeTimes[range.start] : 0] as const;
    });
    const pes = tracks.map((t, i) => ranges[i][1] - ranges[i][0] - (t === plan.audioTrack ? s.audioLookahead : 0));
    const bytes = predictSegmentBytes(plan, i);
    return {
      extinf: s.extinf,
      ranges,
      lookahead: s.audioLookahead,
      pes,
      span: [s.span.start, s.span.end],
      standalone: s.standalone,
      bytes,
    };
  });
  const draft = (recordsStart: number): IndexHeader => {
    let at = recordsStart;
    const indexTracks = tracks.map((t) => {
      const indexTrack = {
        kind: t === plan.videoTrack ? ('video' as const) : ('audio' as const),
        trackId: t.id,
        descriptionIndex: t.samples.sampleDescriptionIndexes[0] ?? 1,
        recordsAt: at,
      };
      at += t.samples.count * RECORD;
      return indexTrack;
    });
    return {
      version: VERSION,
      source,
      segmentDuration: plan.segmentDuration,
      tracks: indexTracks,
      segments,
      extractHeader: { offset: 0, length: extractHeader.length },
    };
  };
  // The header holds offsets past itself: lay it out until its length stops changing.
  let header = draft(0);
  let json = new TextEncoder().encode(JSON.stringify(header));
  for (let i = 0; i < 4; i++) {
    const extractAt = PREAMBLE + json.length;
    header = { ...draft(extractAt + extractHeader.length), extractHeader: { offset: extractAt, length: extractHeader.length } };
    const next = new TextEncoder().encode(JSON.stringify(header));
    if (next.length === json.length) break;
    json = next;
  }
  json = new TextEncoder().encode(JSON.stringify(header));
  const total = header.tracks.length
    ? header.tracks[header.tracks.length - 1].recordsAt + tracks[tracks.length - 1].samples.count * RECORD
    : PREAMBLE + json.length + extractHeader.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC);
  dv.setUint32(4, VERSION);
  dv.setUint32(8, json.length);
  out.set(json, PREAMBLE);
  out.set(extractHeader, header.extractHeader.offset);
  tracks.forEach((t, k) => {
    const s = t.samples;
    for (let i = 0, at = header.tracks[k].recordsAt; i < s.count; i++, at += RECORD) {
      dv.setUint32(at, s.durations[i]);
      dv.setUint32(at + 4, s.sizes[i]);
      dv.setInt32(at + 8, s.compositionOffsets[i]);
      dv.setUint8(at + 12, s.sync[i] ? 1 : 0);
      dv.setFloat64(at + 13, s.offsets[i]);
    }
  });
  return out;
}

// The header length from the first PREAMBLE bytes; throws on anything that is not an index.
export function headerLength(preamble: Uint8Array): number {
  const dv = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength);
  if (preamble.length < PREAMBLE || dv.getUint32(0) !== MAGIC || dv.getUint32(4) !== VERSION)
    throw new IndexFormatError('not a casterpak segment index (or another version)');
  return dv.getUint32(8);
}

export function decodeHeader(json: Uint8Array): IndexHeader {
  return JSON.parse(new TextDecoder().decode(json)) as IndexHeader;
}

// A track's samples of one segment from its records (RECORD bytes each, in order).
export function sliceFromRecords(track: IndexTrack, baseDecodeTime: number, records: Uint8Array): SampleSlice {
  const count = records.length / RECORD;
  const dv = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const durations = new Uint32Array(count);
  const sizes = new Uint32Array(count);
  const cto = new Int32Array(count);
  const sync = new Uint8Array(count);
  const offsets = new Float64Array(count);
  for (let i = 0, at = 0; i < count; i++, at += RECORD) {
    durations[i] = dv.getUint32(at);
    sizes[i] = dv.getUint32(at + 4);
    cto[i] = dv.getInt32(at + 8);
    sync[i] = dv.getUint8(at + 12);
    offsets[i] = dv.getFloat64(at + 13);
  }
  return {
    trackId: track.trackId,
    descriptionIndex: track.descriptionIndex,
    baseDecodeTime,
    durations,
    sizes,
    sync,
    compositionOffsets: cto,
    offsets,
  };
}
