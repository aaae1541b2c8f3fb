// The whole film as one fragmented extract: the same header as a segment's extract (extract.ts)
// and, per planned segment, the moof + mdat pairs of its samples, so that one mp42hls run over it
// writes the segments a segment alone would, on the presentation timeline
// (mp4/timeline/presentation.ts), which mp42hls, ignoring edit lists, cannot apply to the source.
import type { Track } from '../mp4/moov.js';
import { sliceOf, type SampleSlice } from './extract.js';
import type { SampleRange, SegmentPlan } from './segment-plan.js';

// Per planned segment, its samples as slices in trak order; the last one also carries every
// sample after the last cut (mp42hls drops them as it would from the source), so the extract
// holds each sample of the two tracks exactly once.
export function wholeExtractSlices(plan: SegmentPlan): SampleSlice[][] {
  const last = plan.segments.length - 1;
  return plan.segments.map((segment, index) => {
    const parts: [Track, SampleRange][] = [];
    for (const [track, range] of [
      [plan.videoTrack, segment.video],
      [plan.audioTrack, segment.audio],
    ] as const) {
      if (track && range) parts.push([track, index === last ? { start: range.start, end: track.samples.count } : range]);
    }
    parts.sort(([x], [y]) => x.trak.offset - y.trak.offset);
    return parts.map(([track, range]) => sliceOf(track, range));
  });
}
