// The segments mp42hls would write for a movie, predicted from the moov alone: per segment the
// sample ranges, the EXTINF duration and its exact "%f" text, and the byte span of the file to
// read to package that segment by itself (see interleave.ts for the cutting rule).
import { formatCFixed } from './c-fixed.js';
import { Mp4FormatError } from '../mp4/errors.js';
import type { Movie, Track } from '../mp4/moov.js';
import { interleave, writesAllAlone, type TrackCursorInit } from './interleave.js';
import { onPresentationTimeline } from '../mp4/timeline/presentation.js';
import { decodeTimesOf, offsetRange, samplesIn, syncSamplesOf, type DecodeTimeReader } from '../mp4/sample-tables.js';

// Half-open [start, end) ranges of sample indexes (or of file bytes, for spans).
export interface SampleRange {
  readonly start: number;
  readonly end: number;
}

// Everything needed to list, fetch and package one segment on its own, without the whole file.
export interface PlannedSegment {
  /** 0-based, as mp42hls numbers its segment files. */
  readonly index: number;
  /** Present when the movie has a video (audio) track mp42hls uses; may be empty. */
  readonly video?: SampleRange;
  readonly audio?: SampleRange;
  /** EXTINF seconds as mp42hls computes them (a double). */
  readonly duration: number;
  /** mp42hls's playlist text for it: C "%f". */
  readonly extinf: string;
  /** The "last cut" time (seconds) the segment starts at, in mp42hls's reckoning. */
  readonly startTime: number;
  /**
   * Audio samples after the segment's own (0 or 1) that its extract must carry. mp42hls stops
   * writing video once audio has ended, so a segment whose last video sample is later than its
   * last audio sample would lose video if packaged alone; with the next audio sample present it
   * writes exactly what the whole-file run wrote, then that sample's PES, which the caller
   * removes (dropTrailingPes in formats/mpegts).
   */
  readonly audioLookahead: number;
  /** File bytes [start, end) holding every sample the extract carries (lookahead included); read when first asked for. */
  readonly span: SampleRange;
  /** Bytes of the segment's own samples; summed when asked for. */
  readonly sampleBytes: number;
  /** mp42hls run on the extract alone writes exactly the segment's samples (+ lookahead), in one segment. */
  readonly standalone: boolean;
}

// The playlist mp42hls would write, known before anything is packaged.
export interface SegmentPlan {
  readonly segmentDuration: number;
  /** The tracks mp42hls uses: the first 'vide' and the first 'soun' track of the movie. */
  readonly videoTrack?: Track;
  readonly audioTrack?: Track;
  readonly segments: readonly PlannedSegment[];
  /** EXT-X-TARGETDURATION as mp42hls prints it (with its truncation quirk). */
  readonly targetDuration: number;
  /** Video continues after the last audio sample: mp42hls drops those video samples. */
  readonly videoOutlastsAudio: boolean;
  readonly droppedVideoSamples: number;
  /** The last segment lasts 0.000000 s (audio only: one frame after the last cut). */
  readonly trailingZeroSegment: boolean;
  /**
   * Seconds the audio plays on after the video's last frame, when that is more than the playlist
   * tolerance (0.1 s), else 0. mp42hls writes that audio in the last segment but times the segment
   * by the video's clock, which stops at the last frame: the playlist adds it to the last EXTINF.
   */
  readonly audioTail: number;
  /**
   * Seconds the last pictures are presented after mp42hls's clock stops at the last decode time
   * (B-frame reordering: the largest composition offset): the EXTINFs may fall short of the
   * source's duration by that much more than the last frame.
   */
  readonly reorderDelay: number;
}

const TAIL_TOLERANCE_S = 0.1;

// The audio's end past the video's last decode time (mp42hls's clock at the end), when the video
// ends more than the tolerance before the audio and no video sample is dropped.
function audioTailOf(video: Cursor | undefined, audio: Cursor | undefined, dropped: number): number {
  const v = video?.track.samples;
  const a = audio?.track.samples;
  if (!v || !a || v.count === 0 || a.count === 0 || dropped > 0) return 0;
  const lastVideo = video!.times.at(v.count - 1) / video!.track.timescale;
  const videoEnd = v.decodeEnd / video!.track.timescale;
  const audioEnd = a.decodeEnd / audio!.track.timescale;
  return audioEnd - videoEnd > TAIL_TOLERANCE_S ? audioEnd - lastVideo : 0;
}

/** A --segment-duration for packaging one extract alone: no cut before 99999.985 s (27.7 h). */
export const ALONE_SEGMENT_DURATION = 100000;

// mp42hls picks AP4_Movie::GetTrack(TYPE_VIDEO / TYPE_AUDIO): the first track of each handler.
export function mp42hlsTracks(movie: Movie): { video?: Track; audio?: Track } {
  return { video: movie.tracks.find((t) => t.handler === 'vide'), audio: movie.tracks.find((t) => t.handler === 'soun') };
}

// mp42hls: if ((unsigned)(d + 0.5) > target) target = (unsigned)d; so 5.6 s gives 5, not 6.
function mp42hlsTargetDuration(durations: readonly number[]): number {
  let target = 0;
  for (const d of durations) if (Math.trunc(d + 0.5) > target) target = Math.trunc(d);
  return target;
}

// A track the plan reads, with its decode times read one at a time and its sync samples' list (a
// moov's from its stts and stss: mp4/sample-tables.ts).
interface Cursor {
  readonly track: Track;
  readonly times: DecodeTimeReader;
  readonly syncs?: Uint32Array;
}

const cursorOf = (cursor: Cursor | undefined, range?: SampleRange): TrackCursorInit | undefined =>
  cursor && {
    times: cursor.times,
    timescale: cursor.track.timescale,
    sync: cursor.track.samples.sync,
    syncs: cursor.syncs,
    start: range ? range.start : 0,
    end: range ? range.end : cursor.track.samples.count,
  };

// One ranged read covers every sample the extract carries, so a segment costs one fetch. A
// segment's own samples are read (samplesIn): one segment's span needs not the whole film's tables.
function spanOf(parts: readonly (readonly [Track | undefined, SampleRange | undefined])[]): SampleRange {
  let start = Infinity;
  let end = 0;
  for (const [track, range] of parts) {
    if (!track || !range) continue;
    const offsets = samplesIn(track.samples, 'offsets', range.start, range.end);
    const sizes = samplesIn(track.samples, 'sizes', range.start, range.end);
    for (let i = 0; i < offsets.length; i++) {
      start = Math.min(start, offsets[i]);
      end = Math.max(end, offsets[i] + sizes[i]);
    }
  }
  return start === Infinity ? { start: 0, end: 0 } : { start, end };
}

function bytesOf(track: Track | undefined, range: SampleRange | undefined): number {
  if (!track || !range) return 0;
  const sizes = samplesIn(track.samples, 'sizes', range.start, range.end);
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) bytes += sizes[i];
  return bytes;
}

// An extract is only usable when mp42hls, replayed on its samples alone, writes them all in one segment.
function writesAll(
  video: Cursor | undefined,
  v: SampleRange | undefined,
  audio: Cursor | undefined,
  a: SampleRange | undefined,
  ac4: boolean,
): boolean {
  return writesAllAlone(cursorOf(video, v), cursorOf(audio, a), ALONE_SEGMENT_DURATION, ac4);
}

// An extract carries the segment's own audio plus its lookahead (mp42hls reads ahead of the cut).
export function extractAudioRange(segment: PlannedSegment): SampleRange | undefined {
  return segment.audio && { start: segment.audio.start, end: segment.audio.end + segment.audioLookahead };
}

// `segmentDurationSec` is mp42hls's --segment-duration, which it takes as a whole number.
export function planSegments(movie: Movie, segmentDurationSec: number): SegmentPlan {
  if (!Number.isInteger(segmentDurationSec) || segmentDurationSec < 1 || segmentDurationSec > 0xffffffff) {
    throw new RangeError(`segment duration must be a whole number of seconds >= 1, got ${segmentDurationSec}`);
  }
  const { video, audio } = mp42hlsTracks(movie);
  if (!video && !audio) throw new Mp4FormatError('no video or audio track for mp42hls to package');
  const ac4 = !video && audio?.format === 'ac-4';
  const [vc, ac] = [video, audio].map(
    (track) => track && { track, times: decodeTimesOf(track.samples), syncs: syncSamplesOf(track.samples) },
  );
  const whole = interleave(cursorOf(vc), cursorOf(ac), segmentDurationSec, ac4);
  const segments = whole.segments.map((cut, index): PlannedSegment => {
    const v = video ? { start: cut.videoStart, end: cut.videoEnd } : undefined;
    const a = audio ? { start: cut.audioStart, end: cut.audioEnd } : undefined;
    let audioLookahead = 0;
    let standalone = writesAll(vc, v, ac, a, ac4);
    if (!standalone && v && a && a.end < audio!.samples.count) {
      audioLookahead = 1;
      standalone = writesAll(vc, v, ac, { start: a.start, end: a.end + 1 }, ac4);
    }
    const carried = a && { start: a.start, end: a.end + audioLookahead };
    // Read from the sample offsets and sizes when first asked for: a media playlist needs neither.
    let span: SampleRange | undefined;
    return {
      index,
      video: v,
      audio: a,
      duration: cut.duration,
      extinf: formatCFixed(cut.duration, 6),
      startTime: cut.startTime,
      audioLookahead,
      get span() {
        return (span ??= spanOf([
          [video, v],
          [audio, carried],
        ]));
      },
      get sampleBytes() {
        return bytesOf(video, v) + bytesOf(audio, a);
      },
      standalone,
    };
  });
  const durations = segments.map((s) => s.duration);
  const dropped = video ? video.samples.count - whole.videoNext : 0;
  return {
    segmentDuration: segmentDurationSec,
    videoTrack: video,
    audioTrack: audio,
    segments,
    targetDuration: mp42hlsTargetDuration(durations),
    videoOutlastsAudio: dropped > 0,
    droppedVideoSamples: dropped,
    trailingZeroSegment: segments.length > 1 && durations[durations.length - 1] === 0,
    audioTail: audioTailOf(vc, ac, dropped),
    reorderDelay: video ? offsetRange(video.samples).largest / video.timescale : 0,
  };
}

// The movie on its presentation timeline (mp4/timeline/presentation.ts) and its plan. mp42hls
// writes no video sample decoded after the last audio sample (interleave.ts); where moving the
// tracks apart would make it drop more of them than on the file's own decode times (video shifted
// past the audio's end), the decode times are kept: no frame is lost for sync (docs/reliability.md).
export function planOnPresentationTimeline(parsed: Movie, segmentDurationSec: number): { movie: Movie; plan: SegmentPlan } {
  const movie = onPresentationTimeline(parsed);
  const plan = planSegments(movie, segmentDurationSec);
  if (movie === parsed || plan.droppedVideoSamples === 0) return { movie, plan };
  const kept = planSegments(parsed, segmentDurationSec);
  // Kept as before, the audio tail too is not counted: the decode times of a trimmed track run
  // past its presentation (AAC priming), so its end says nothing of the video's.
  return kept.droppedVideoSamples < plan.droppedVideoSamples ? { movie: parsed, plan: { ...kept, audioTail: 0 } } : { movie, plan };
}
