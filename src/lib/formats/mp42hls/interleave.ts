// mp42hls's sample interleaving and segment cutting, replayed over sample index ranges
// (Bento4 1.5.0, Source/C++/Apps/Mp42Hls/Mp42Hls.cpp: WriteSamples and ReadSample).
//  - the next sample written is the video one when video time <= audio time, else the audio one;
//  - a cut is considered before a video sync sample (no video: before every audio sample) and made
//    when (its time - last cut) >= segment duration - threshold (15 ms with video, 0 without);
//  - at the end of a track the time stays at its last sample's decode time;
//  - once audio has ended, video samples later than the last audio sample are never written.

import type { DecodeTimeReader } from '../mp4/sample-tables.js';

/** One track's samples [start, end) as mp42hls reads them: decode times over a timescale. */
export interface TrackCursorInit {
  readonly times: DecodeTimeReader;
  readonly timescale: number;
  readonly sync: Uint8Array;
  /** The sync samples' indexes, ascending, when known (a moov's stss): visited alone. */
  readonly syncs?: Uint32Array;
  readonly start: number;
  readonly end: number;
}

// One segment of the replay, in sample indexes and mp42hls's double duration.
interface CutSegment {
  /** Seconds, as mp42hls's double `segment_duration`. */
  readonly duration: number;
  /** The "last cut" time the segment opened at, seconds. */
  readonly startTime: number;
  readonly videoStart: number;
  readonly videoEnd: number;
  readonly audioStart: number;
  readonly audioEnd: number;
}

// Where each track stopped is kept to see which samples mp42hls never writes.
interface InterleaveResult {
  readonly segments: readonly CutSegment[];
  /** Index of the first video (audio) sample never written; equals `end` when all were. */
  readonly videoNext: number;
  readonly audioNext: number;
}

/** mp42hls's DefaultSegmentDurationThreshold, in seconds; it is set to 0 without a video track. */
const CUT_THRESHOLD_SECONDS = 15 / 1000.0;

const NO_TIMES = new Float64Array(0);
const NO_FLAGS = new Uint8Array(0);
const [NONE, AUDIO, VIDEO] = [0, 1, 2]; // the track whose sample is written next

// A track's cursor as the replay's locals: its tables, timescale, end, first sample and that
// sample's time (none: empty tables, so the loop never reads them).
function cursorFields(init: TrackCursorInit | undefined): [Float64Array, Uint8Array, number, number, number, number] {
  if (!init) return [NO_TIMES, NO_FLAGS, 1, 0, 0, 0.0];
  const ts = init.start < init.end ? init.times.at(init.start) / init.timescale : 0.0;
  return [init.times.all(), init.sync, init.timescale, init.end, init.start, ts];
}

// WriteSamples' loop, shared by whole-file planning and by the check that a segment's extract
// packaged alone writes every one of its samples: from the video sync samples when the decode
// times allow (atSyncSamples), else replayed sample by sample.
// `audioSyncOnly` is mp42hls's AC-4 rule: without video, only audio sync samples may start a segment.
export function interleave(
  video: TrackCursorInit | undefined,
  audio: TrackCursorInit | undefined,
  segmentDuration: number,
  audioSyncOnly = false,
): InterleaveResult {
  if (video && video.times.neverBack && (!audio || audio.times.neverBack)) return atSyncSamples(video, audio, segmentDuration);
  return replaySamples(video, audio, segmentDuration, audioSyncOnly);
}

// The replay, sample by sample. Each track's cursor is kept in locals (a film is 518,000
// samples): its next sample and, as mp42hls's ReadSample, ts = dts / timescale (a double); at the
// end ts keeps the last sample's time (0.0 when the track had no sample at all, as the
// never-filled AP4_Sample has dts 0).
export function replaySamples(
  video: TrackCursorInit | undefined,
  audio: TrackCursorInit | undefined,
  segmentDuration: number,
  audioSyncOnly = false,
): InterleaveResult {
  if (!video && !audio) return { segments: [], videoNext: 0, audioNext: 0 };
  const [hasVideo, hasAudio] = [video !== undefined, audio !== undefined];
  const [vTimes, vSync, vScale, vEnd, vStart, vFirstTs] = cursorFields(video);
  const [aTimes, aSync, aScale, aEnd, aStart, aFirstTs] = cursorFields(audio);
  let [vNext, vTs, aNext, aTs] = [vStart, vFirstTs, aStart, aFirstTs];
  const threshold = hasVideo ? CUT_THRESHOLD_SECONDS : 0;
  const minimum = segmentDuration - threshold;
  const segments: CutSegment[] = [];
  let lastTs = 0.0;
  let open: { startTime: number; videoStart: number; audioStart: number } | undefined;
  let newSegment = true;
  for (;;) {
    let sync = false;
    let chosen = NONE;
    if (hasAudio && aNext < aEnd) {
      chosen = AUDIO;
      if (!hasVideo) sync = audioSyncOnly ? aSync[aNext] === 1 : true;
    }
    if (hasVideo && vNext < vEnd) {
      if (!hasAudio || vTs <= aTs) chosen = VIDEO;
      if (chosen === VIDEO && vSync[vNext] === 1) sync = true;
    }
    if (sync || chosen === NONE) {
      const now = hasVideo ? vTs : aTs;
      const duration = now - lastTs;
      if (duration >= minimum || chosen === NONE) {
        lastTs = now;
        if (open) {
          segments.push({ duration, ...open, videoEnd: hasVideo ? vNext : 0, audioEnd: hasAudio ? aNext : 0 });
          open = undefined;
        }
        newSegment = true;
      }
    }
    if (chosen === NONE) break;
    if (newSegment) {
      newSegment = false;
      open = { startTime: lastTs, videoStart: hasVideo ? vNext : 0, audioStart: hasAudio ? aNext : 0 };
    }
    if (chosen === VIDEO) {
      if (++vNext < vEnd) vTs = vTimes[vNext] / vScale;
    } else if (++aNext < aEnd) aTs = aTimes[aNext] / aScale;
  }
  return { segments, videoNext: hasVideo ? vNext : 0, audioNext: hasAudio ? aNext : 0 };
}

// The replay's outcome with video and decode times that never go back, from the video sync
// samples alone. Audio is then written while its time is below the next video sample's, so at a
// video sample the audio cursor is the first audio sample not earlier than it (found by a binary
// search with the replay's own divisions). Once audio ends, video is written up to the last audio
// sample's time: the first video sample later than that is never written, and ends the replay.
function atSyncSamples(video: TrackCursorInit, audio: TrackCursorInit | undefined, segmentDuration: number): InterleaveResult {
  const { times, timescale: vScale, start: vStart } = video;
  const ts = (i: number) => times.at(i) / vScale;
  let aNext = audio ? audio.start : 0;
  const aEnd = audio ? audio.end : 0;
  const aLast = audio && audio.start < aEnd ? audio.times.at(aEnd - 1) / audio.timescale : 0.0;
  const vEnd = audio ? firstPast(video, vStart, video.end, aLast, false) : video.end;
  const minimum = segmentDuration - CUT_THRESHOLD_SECONDS;
  const segments: CutSegment[] = [];
  let open = { startTime: 0.0, videoStart: vStart, audioStart: aNext };
  const nextSync = syncAfter(video, vEnd);
  for (let v = nextSync(vStart); v < vEnd; v = nextSync(v + 1)) {
    if (ts(v) - open.startTime < minimum) continue;
    if (audio) aNext = firstPast(audio, aNext, aEnd, ts(v), true);
    // Nothing written before the first video sample (no earlier audio): no segment to close.
    if (v > vStart || aNext > open.audioStart) segments.push({ duration: ts(v) - open.startTime, ...open, videoEnd: v, audioEnd: aNext });
    open = { startTime: ts(v), videoStart: v, audioStart: aNext };
  }
  // The end: the clock stays at the last video sample written (0.0 without one), or at the first never written.
  const now = vEnd < video.end ? ts(vEnd) : vEnd > vStart ? ts(vEnd - 1) : 0.0;
  if (vEnd > vStart || aEnd > open.audioStart) segments.push({ duration: now - open.startTime, ...open, videoEnd: vEnd, audioEnd: aEnd });
  return { segments, videoNext: vEnd, audioNext: aEnd };
}

// The first sync sample at or after v (`end` or later if none before it), v ascending from call to
// call: from the sync samples' list when known (a film's few thousand of its 180,000 video
// samples), else from the flags.
function syncAfter({ sync, syncs }: TrackCursorInit, end: number): (v: number) => number {
  if (!syncs)
    return (v) => {
      while (v < end && sync[v] !== 1) v++;
      return v;
    };
  let k = -1;
  return (v) => {
    if (k < 0) k = firstAtLeast(syncs, v);
    while (k < syncs.length && syncs[k] < v) k++;
    return k < syncs.length ? syncs[k] : end;
  };
}

function firstAtLeast(values: Uint32Array, v: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle] < v) low = middle + 1;
    else high = middle;
  }
  return low;
}

// The first sample in [low, high) whose time (the replay's division) is past `t`, or reaches it
// when `reaching`; `high` if none. The track's decode times never go back.
function firstPast({ times, timescale }: TrackCursorInit, low: number, high: number, t: number, reaching: boolean): number {
  while (low < high) {
    const middle = (low + high) >>> 1;
    const time = times.at(middle) / timescale;
    if (time > t || (reaching && time === t)) high = middle;
    else low = middle + 1;
  }
  return low;
}

const lastTs = (c: TrackCursorInit): number => (c.end > c.start ? c.times.at(c.end - 1) / c.timescale : 0.0);

/**
 * Whether mp42hls, run on these samples alone with a segment duration of `aloneDuration`
 * seconds, writes them all in one segment. The replay answers it; when both tracks' decode times
 * never go back and stay below the first cut, its outcome is known without replaying: audio is
 * always written to its end, and then video only up to the last audio sample's time (0.0 when the
 * range holds none), so every sample is written when the last video one is not later than that.
 */
export function writesAllAlone(
  video: TrackCursorInit | undefined,
  audio: TrackCursorInit | undefined,
  aloneDuration: number,
  audioSyncOnly = false,
): boolean {
  const empty = (c: TrackCursorInit | undefined) => !c || c.end <= c.start;
  const simple =
    (!video || video.times.neverBack) &&
    (!audio || audio.times.neverBack) &&
    Math.max(video ? lastTs(video) : 0, audio ? lastTs(audio) : 0) < aloneDuration - 1;
  if (simple) {
    if (empty(video) && empty(audio)) return false; // nothing written: no segment at all
    return empty(video) || !audio || lastTs(video!) <= lastTs(audio);
  }
  const alone = interleave(video, audio, aloneDuration, audioSyncOnly);
  return alone.segments.length === 1 && (!video || alone.videoNext === video.end) && (!audio || alone.audioNext === audio.end);
}
