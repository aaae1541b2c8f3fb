// An audio rendition of one audio track (docs/tracks.md): its samples cut on the boundaries of
// the movie's segment plan, so segment K of every audio rendition covers the time of segment K of
// the video, and each segment's one-fragment extract holding that track alone, which mp42hls
// packages into an audio-only MPEG-TS segment with the source's decode times (tfdt).
import { ascii, box, concat, uint32 } from '../mp4/box-writer.js';
import type { Movie, Track } from '../mp4/moov.js';
import { decodeTimesOf, samplesIn } from '../mp4/sample-tables.js';
import { assembleExtract, descriptionIndexOf, sliceOf } from './extract.js';
import { buildExtractMoov } from './extract-moov.js';
import type { SampleRange, SegmentPlan } from './segment-plan.js';
import { playlistPeak, type Bandwidth } from './segment-size.js';

// Per planned segment, the track's samples whose decode time falls in [its start, the next's start).
export function audioRanges(plan: SegmentPlan, track: Track): SampleRange[] {
  const { count } = track.samples;
  const times = decodeTimesOf(track.samples); // read in order, not decoded whole (a moov's)
  const starts = plan.segments.map((s, k) => (k === 0 ? -Infinity : s.startTime));
  const ranges: SampleRange[] = [];
  let i = 0;
  for (let k = 0; k < starts.length; k++) {
    const start = i;
    const next = k + 1 < starts.length ? starts[k + 1] : Infinity;
    while (i < count && times.at(i) / track.timescale < next) i++;
    ranges.push({ start, end: i });
  }
  return ranges;
}

// The file bytes [start, end) holding the range's samples.
export function rangeSpan(track: Track, range: SampleRange): SampleRange {
  const { offsets, sizes } = track.samples;
  let start = Infinity;
  let end = 0;
  for (let i = range.start; i < range.end; i++) {
    start = Math.min(start, offsets[i]);
    end = Math.max(end, offsets[i] + sizes[i]);
  }
  return start === Infinity ? { start: 0, end: 0 } : { start, end };
}

// ftyp + a moov with this track alone + moof + mdat of the range's samples (see extract.ts).
export function buildAudioExtract(
  moovBytes: Uint8Array,
  movie: Movie,
  track: Track,
  range: SampleRange,
  span: { readonly start: number; readonly bytes: Uint8Array },
): Uint8Array {
  const ftyp = box('ftyp', [ascii('iso6'), uint32(0), ascii('iso6'), ascii('isom'), ascii('mp41')]);
  const header = concat([ftyp, buildExtractMoov(moovBytes, movie, [{ track, descriptionIndex: descriptionIndexOf(track) }])]);
  return assembleExtract(header, [sliceOf(track, range)], span.start, span.bytes);
}

// MPEG-TS bytes of one audio-only segment, an upper bound: PAT and PMT, then one PES per sample
// (mp42hls, as formats/mpegts/pes-counts.ts counts them) of a 14-byte header with PTS, a 7-byte
// ADTS header for AAC, and room for an adaptation field with a PCR (8 bytes), in 184-byte payloads;
// the audio packets then rounded up to a multiple of 16, as the continuity normalisation spreads the
// last PES (formats/mpegts/continuity.ts).
function audioSegmentBytes(track: Track, range: SampleRange): number {
  const extra = 14 + 8 + (track.format === 'mp4a' ? 7 : 0);
  let packets = 0;
  const sizes = samplesIn(track.samples, 'sizes', range.start, range.end); // this range's alone
  for (let i = 0; i < sizes.length; i++) packets += Math.ceil((sizes[i] + extra) / 184);
  return (2 + Math.ceil(packets / 16) * 16) * 188;
}

// Peak (RFC 8216 §4.3.4.2, as segment-size.ts's playlistPeak measures it) and average bit
// rates, bits/s, of an audio rendition listed with the playlist's durations.
export function audioRenditionRates(track: Track, ranges: readonly SampleRange[], durations: readonly number[]): Bandwidth {
  const bytes = ranges.map((range) => audioSegmentBytes(track, range));
  const seconds = durations.reduce((sum, d) => sum + d, 0);
  const average = seconds > 0 ? Math.ceil((8 * bytes.reduce((a, b) => a + b, 0)) / seconds) : 0;
  return { peak: playlistPeak(bytes, durations), average };
}
