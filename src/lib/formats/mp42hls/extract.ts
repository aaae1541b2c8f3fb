// A one-segment MP4 "extract": ftyp, a moov with empty sample tables, one moof and one mdat (several
// for a large segment: extract-fragments.ts) holding just the segment's samples (plus its audio
// lookahead, see segment-plan.ts).
// `mp42hls --segment-duration 100000` packages it into the same MPEG-TS segment as a whole-file
// run, continuity counters aside (tfdt keeps the times) and after dropTrailingPes(ts, audioLookahead).
import { ascii, box, concat, fullBox, uint32, uint64 } from '../mp4/box-writer.js';
import { Mp4FormatError } from '../mp4/errors.js';
import { buildExtractMoov } from './extract-moov.js';
import { extractTimescales, fragmentSlices, type SampleSlice } from './extract-fragments.js';

export type { SampleSlice } from './extract-fragments.js';
import type { Movie, Track } from '../mp4/moov.js';
import { extractAudioRange, type SampleRange, type SegmentPlan } from './segment-plan.js';

// §8.8.7 tfhd flags: default-base-is-moof (trun data offsets count from the moof's first byte),
// and sample-description-index-present for an extract (an fMP4 segment's track has one description).
const DEFAULT_BASE_IS_MOOF = 0x020000;
const DESCRIPTION_INDEX_PRESENT = 0x000002;
// §8.8.8 trun flags: data-offset | sample-duration | sample-size | sample-flags | sample-composition-time-offset.
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;
// §8.8.3.1 sample flags: sample_depends_on = 2 (independent) for sync samples;
// sample_depends_on = 1 and sample_is_non_sync_sample = 1 otherwise.
const SYNC_FLAGS = 0x02000000;
const NON_SYNC_FLAGS = 0x01010000;

// One extract cannot say which sample uses which description, so mixed tracks are refused.
export function descriptionIndexOf(track: Track): number {
  const indexes = track.samples.sampleDescriptionIndexes;
  if (indexes.length > 1) throw new Mp4FormatError(`track ${track.id} uses ${indexes.length} sample descriptions`);
  return indexes[0] ?? 1;
}

// traf (§8.8.6) = tfhd (u32 track_ID[; u32 sample_description_index])
// + tfdt v1 (§8.8.12: u64 baseMediaDecodeTime, the decode time of the first sample on the
//   presentation timeline) + trun (§8.8.8: u32 sample_count; i32 data_offset; per sample u32
//   duration, u32 size, u32 flags, u32/i32 composition offset; version 1 when an offset is negative).
// Also the traf of casterpak's fMP4 media segments (formats/fmp4/segments.ts), without the index.
export function traf(slice: SampleSlice, dataOffset: number, descriptionIndex = true): Uint8Array {
  const count = slice.sizes.length;
  const entries = new Uint8Array(count * 16);
  const dv = new DataView(entries.buffer);
  let signed = false;
  for (let i = 0; i < count; i++) {
    dv.setUint32(i * 16, slice.durations[i]);
    dv.setUint32(i * 16 + 4, slice.sizes[i]);
    dv.setUint32(i * 16 + 8, slice.sync[i] ? SYNC_FLAGS : NON_SYNC_FLAGS);
    dv.setInt32(i * 16 + 12, slice.compositionOffsets[i]);
    if (slice.compositionOffsets[i] < 0) signed = true;
  }
  const tfhd = descriptionIndex
    ? fullBox('tfhd', 0, DEFAULT_BASE_IS_MOOF | DESCRIPTION_INDEX_PRESENT, [uint32(slice.trackId), uint32(slice.descriptionIndex)])
    : fullBox('tfhd', 0, DEFAULT_BASE_IS_MOOF, [uint32(slice.trackId)]);
  return box('traf', [
    tfhd,
    fullBox('tfdt', 1, 0, [uint64(slice.baseDecodeTime)]),
    fullBox('trun', signed ? 1 : 0, TRUN_FLAGS, [uint32(count), uint32(dataOffset), entries]),
  ]);
}

function moof(sequence: number, slices: readonly SampleSlice[], mdatPayloadAt: (moofSize: number) => number[]): Uint8Array {
  const build = (offsets: readonly number[]) =>
    box('moof', [fullBox('mfhd', 0, 0, [uint32(sequence)]), ...slices.map((p, i) => traf(p, offsets[i]))]);
  const draft = build(slices.map(() => 0));
  return build(mdatPayloadAt(draft.length));
}

// One moof and its mdat as pieces: the boxes' headers, then the samples as views of `spanBytes`
// (file bytes from `spanStart`), one view per run of samples lying end to end in it, so a
// segment's megabytes are written out without being copied.
function fragmentPieces(sequence: number, slices: readonly SampleSlice[], spanStart: number, spanBytes: Uint8Array): Uint8Array[] {
  const sizes = slices.map((s) => {
    let total = 0;
    for (let i = 0; i < s.sizes.length; i++) total += s.sizes[i];
    return total;
  });
  const mdatSize = 8 + sizes.reduce((a, b) => a + b, 0);
  if (mdatSize > 0xffffffff) throw new Mp4FormatError('a segment holds more than 4 GB');
  const moofBox = moof(sequence, slices, (moofSize) => sizes.map((_, i) => moofSize + 8 + sizes.slice(0, i).reduce((a, b) => a + b, 0)));
  const pieces = [concat([moofBox, uint32(mdatSize), ascii('mdat')])];
  let [runStart, runEnd] = [0, 0];
  for (const slice of slices) {
    for (let i = 0; i < slice.sizes.length; i++) {
      const from = slice.offsets[i] - spanStart;
      if (from < 0 || from + slice.sizes[i] > spanBytes.length)
        throw new Mp4FormatError(`sample at ${slice.offsets[i]} lies outside the span read`);
      if (from !== runEnd || runEnd === runStart) {
        if (runEnd > runStart) pieces.push(spanBytes.subarray(runStart, runEnd));
        runStart = from;
      }
      runEnd = from + slice.sizes[i];
    }
  }
  if (runEnd > runStart) pieces.push(spanBytes.subarray(runStart, runEnd));
  return pieces;
}

// Built once per movie: the part of every extract that does not depend on the segment (ftyp and the
// moov with empty tables for mp42hls's tracks (see extract-moov.ts).
export function buildExtractHeader(moovBytes: Uint8Array, movie: Movie, plan: SegmentPlan): Uint8Array {
  const used = [plan.videoTrack, plan.audioTrack]
    .filter((t): t is Track => t !== undefined)
    .map((track) => ({ track, descriptionIndex: descriptionIndexOf(track) }));
  const ftyp = box('ftyp', [ascii('iso6'), uint32(0), ascii('iso6'), ascii('isom'), ascii('mp41')]);
  return concat([ftyp, buildExtractMoov(moovBytes, movie, used)]);
}

// Header + moof + mdat, the samples out of `spanBytes` (file bytes from `spanStart`); a large
// segment as several moof + mdat pairs (extract-fragments.ts). `slices` in the order of their
// traks in the movie. As pieces to write one after the other (views of `spanBytes` among them).
export function extractPieces(header: Uint8Array, slices: readonly SampleSlice[], spanStart: number, spanBytes: Uint8Array): Uint8Array[] {
  return [header, ...fragmentsOf(slices, extractTimescales(header), spanStart, spanBytes, 1).flat()];
}

/** extractPieces in one buffer. */
export function assembleExtract(header: Uint8Array, slices: readonly SampleSlice[], spanStart: number, spanBytes: Uint8Array): Uint8Array {
  return concat(extractPieces(header, slices, spanStart, spanBytes));
}

// The moof + mdat pairs of `slices`, numbered from `firstSequence` (a whole-file extract
// appends one run of them per segment: whole-extract.ts).
export function extractFragments(
  slices: readonly SampleSlice[],
  timescales: ReadonlyMap<number, number>,
  spanStart: number,
  spanBytes: Uint8Array,
  firstSequence: number,
): Uint8Array[] {
  return fragmentsOf(slices, timescales, spanStart, spanBytes, firstSequence).map(concat);
}

// Each moof + mdat pair of the slices that hold samples, as its pieces (fragmentPieces).
function fragmentsOf(
  slices: readonly SampleSlice[],
  timescales: ReadonlyMap<number, number>,
  spanStart: number,
  spanBytes: Uint8Array,
  firstSequence: number,
): Uint8Array[][] {
  const withSamples = slices.filter((s) => s.sizes.length > 0);
  return fragmentSlices(withSamples, timescales).map((f, i) => fragmentPieces(firstSequence + i, f, spanStart, spanBytes));
}

export function sliceOf(track: Track, range: SampleRange): SampleSlice {
  const s = track.samples;
  return {
    trackId: track.id,
    descriptionIndex: descriptionIndexOf(track),
    baseDecodeTime: range.end > range.start ? s.decodeTimes[range.start] : 0,
    durations: s.durations.subarray(range.start, range.end),
    sizes: s.sizes.subarray(range.start, range.end),
    sync: s.sync.subarray(range.start, range.end),
    compositionOffsets: s.compositionOffsets.subarray(range.start, range.end),
    offsets: s.offsets.subarray(range.start, range.end),
  };
}

// `spanBytes` are the file's bytes [span.start, span.end) of the segment: one ranged read.
export function buildSegmentExtract(
  moovBytes: Uint8Array,
  movie: Movie,
  plan: SegmentPlan,
  segmentIndex: number,
  spanBytes: Uint8Array,
): Uint8Array {
  const segment = plan.segments[segmentIndex];
  if (!segment) throw new RangeError(`no segment ${segmentIndex} in a plan of ${plan.segments.length}`);
  const { span } = segment;
  if (spanBytes.length !== span.end - span.start) {
    throw new RangeError(`span of segment ${segmentIndex} is ${span.end - span.start} bytes, ${spanBytes.length} given`);
  }
  const parts: [Track, SampleRange][] = [];
  for (const [track, range] of [
    [plan.videoTrack, segment.video],
    [plan.audioTrack, extractAudioRange(segment)],
  ] as const) {
    if (track && range) parts.push([track, range]);
  }
  parts.sort(([x], [y]) => x.trak.offset - y.trak.offset);
  return assembleExtract(
    buildExtractHeader(moovBytes, movie, plan),
    parts.map(([track, range]) => sliceOf(track, range)),
    span.start,
    spanBytes,
  );
}
