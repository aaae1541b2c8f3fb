// A one-segment MP4 "extract": ftyp, a moov with empty sample tables, one moof and one mdat
// holding just the segment's samples (plus its audio lookahead, see segment-plan.ts).
// `mp42hls --segment-duration 100000` packages it into the same MPEG-TS segment as a whole-file
// run, continuity counters aside (tfdt keeps the times) and after dropTrailingPes(ts, audioLookahead).
import { ascii, box, concat, fullBox, uint32, uint64 } from './box-writer.js';
import { Mp4FormatError } from './errors.js';
import { buildExtractMoov } from './extract-moov.js';
import type { Movie, Track } from './moov.js';
import { extractAudioRange, type SampleRange, type SegmentPlan } from './segment-plan.js';

// §8.8.7 tfhd flags: sample-description-index-present | default-base-is-moof.
const TFHD_FLAGS = 0x000002 | 0x020000;
// §8.8.8 trun flags: data-offset | sample-duration | sample-size | sample-flags | sample-composition-time-offset.
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;
// §8.8.3.1 sample flags: sample_depends_on = 2 (independent) for sync samples;
// sample_depends_on = 1 and sample_is_non_sync_sample = 1 otherwise.
const SYNC_FLAGS = 0x02000000;
const NON_SYNC_FLAGS = 0x01010000;

interface Part {
  readonly track: Track;
  readonly range: SampleRange;
  readonly descriptionIndex: number;
}

// Why: one extract cannot say which sample uses which description, so refuse mixed tracks.
function descriptionIndexOf(track: Track): number {
  const indexes = track.samples.sampleDescriptionIndexes;
  if (indexes.length > 1) throw new Mp4FormatError(`track ${track.id} uses ${indexes.length} sample descriptions`);
  return indexes[0] ?? 1;
}

// Why: traf (§8.8.6) = tfhd (u32 track_ID; u32 sample_description_index)
// + tfdt v1 (§8.8.12: u64 baseMediaDecodeTime, the original decode time of the first sample)
// + trun (§8.8.8: u32 sample_count; i32 data_offset; per sample u32 duration, u32 size,
//   u32 flags, u32/i32 composition offset; version 1 when an offset is negative).
function traf(part: Part, dataOffset: number): Uint8Array {
  const { track, range } = part;
  const s = track.samples;
  const count = range.end - range.start;
  const entries = new Uint8Array(count * 16);
  const dv = new DataView(entries.buffer);
  let signed = false;
  for (let i = 0; i < count; i++) {
    const k = range.start + i;
    dv.setUint32(i * 16, s.durations[k]);
    dv.setUint32(i * 16 + 4, s.sizes[k]);
    dv.setUint32(i * 16 + 8, s.sync[k] ? SYNC_FLAGS : NON_SYNC_FLAGS);
    dv.setInt32(i * 16 + 12, s.compositionOffsets[k]);
    if (s.compositionOffsets[k] < 0) signed = true;
  }
  return box('traf', [
    fullBox('tfhd', 0, TFHD_FLAGS, [uint32(track.id), uint32(part.descriptionIndex)]),
    fullBox('tfdt', 1, 0, [uint64(s.decodeTimes[range.start])]),
    fullBox('trun', signed ? 1 : 0, TRUN_FLAGS, [uint32(count), uint32(dataOffset), entries]),
  ]);
}

// Why: moof (§8.8.4) = mfhd (§8.8.5: u32 sequence_number) + one traf per track with samples.
// The trun data offsets count from the moof's first byte, so the moof is laid out twice.
function moof(parts: readonly Part[], mdatPayloadAt: (moofSize: number) => number[]): Uint8Array {
  const build = (offsets: readonly number[]) =>
    box('moof', [fullBox('mfhd', 0, 0, [uint32(1)]), ...parts.map((p, i) => traf(p, offsets[i]))]);
  const draft = build(parts.map(() => 0));
  return build(mdatPayloadAt(draft.length));
}

// Why: the entry point. `spanBytes` are the file's bytes [span.start, span.end) of the segment.
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
  const used: Part[] = [];
  for (const [track, range] of [[plan.videoTrack, segment.video], [plan.audioTrack, extractAudioRange(segment)]] as const) {
    if (track && range) used.push({ track, range, descriptionIndex: descriptionIndexOf(track) });
  }
  const ordered = used.sort((x, y) => x.track.trak.offset - y.track.trak.offset);
  const withSamples = ordered.filter((p) => p.range.end > p.range.start);
  const sizes = withSamples.map(({ track, range }) => {
    let total = 0;
    for (let k = range.start; k < range.end; k++) total += track.samples.sizes[k];
    return total;
  });
  const ftyp = box('ftyp', [ascii('iso6'), uint32(0), ascii('iso6'), ascii('isom'), ascii('mp41')]);
  const moovBox = buildExtractMoov(moovBytes, movie, ordered);
  const mdatSize = 8 + sizes.reduce((a, b) => a + b, 0);
  if (mdatSize > 0xffffffff) throw new Mp4FormatError(`segment ${segmentIndex} holds more than 4 GB`);
  const moofBox = moof(withSamples, (moofSize) => sizes.map((_, i) => moofSize + 8 + sizes.slice(0, i).reduce((a, b) => a + b, 0)));
  const out = new Uint8Array(ftyp.length + moovBox.length + moofBox.length + mdatSize);
  out.set(concat([ftyp, moovBox, moofBox, uint32(mdatSize), ascii('mdat')]));
  let at = ftyp.length + moovBox.length + moofBox.length + 8;
  for (const { track, range } of withSamples) {
    const { offsets, sizes: sampleSizes } = track.samples;
    for (let k = range.start; k < range.end; k++) {
      const from = offsets[k] - span.start;
      out.set(spanBytes.subarray(from, from + sampleSizes[k]), at);
      at += sampleSizes[k];
    }
  }
  return out;
}
