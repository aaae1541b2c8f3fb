// Which tracks a film's fMP4 renditions carry and which samples each segment holds. One track per
// rendition (CMAF, ISO/IEC 23000-19 §7.3.2; docs/formats.md): the video track mp42hls packages,
// cut on exactly the MPEG-TS segments' boundaries (segment-plan.ts), and each audio track casterpak
// carries, cut at the times its audio renditions are (audio-rendition.ts), so segment K of every
// rendition and form covers the same time and the playlists list the same EXTINFs.
import { Mp4FormatError } from '../mp4/errors.js';
import type { Movie, Track } from '../mp4/moov.js';
import { audioRanges } from '../mp42hls/audio-rendition.js';
import { carriableAudioTracks } from '../mp42hls/carriage.js';
import type { SampleRange, SegmentPlan } from '../mp42hls/segment-plan.js';
import { playlistPeak, type Bandwidth } from '../mp42hls/segment-size.js';

/** 'v': the video rendition; a number: the audio rendition of that track ID. */
export type Fmp4Ref = 'v' | number;

export function fmp4Track(movie: Movie, plan: SegmentPlan, ref: Fmp4Ref): Track {
  const track = ref === 'v' ? plan.videoTrack : carriableAudioTracks(movie).find((t) => t.id === ref);
  if (!track) throw new Mp4FormatError(ref === 'v' ? 'no video track' : `no audio track ${ref} that casterpak carries`);
  return track;
}

// Per planned segment, the samples of `ref`'s track it holds.
export function fmp4Ranges(movie: Movie, plan: SegmentPlan, ref: Fmp4Ref): SampleRange[] {
  if (ref === 'v') return plan.segments.map((s) => s.video ?? { start: 0, end: 0 });
  return audioRanges(plan, fmp4Track(movie, plan, ref));
}

// The refs a film's fMP4 form offers: its video (when it has one) and each carriable audio track.
export function fmp4Refs(movie: Movie, plan: SegmentPlan): Fmp4Ref[] {
  return [...(plan.videoTrack ? ['v' as const] : []), ...carriableAudioTracks(movie).map((t) => t.id)];
}

// Bytes of a media segment (segments.ts) around its samples: styp 20, moof 8 + mfhd 16 + traf 8 +
// tfhd 16 + tfdt 20 + trun 20, mdat header 8; 16 bytes of trun per sample.
const SEGMENT_OVERHEAD = 20 + 8 + 16 + 8 + 16 + 20 + 20 + 8;

// Peak (RFC 8216 §4.3.4.2, measured as segment-size.ts's playlistPeak) and average bit rates of a
// rendition whose segments last `durations` seconds: exact, as the segments' sizes are known.
export function fmp4Rates(track: Track, ranges: readonly SampleRange[], durations: readonly number[]): Bandwidth {
  const bytes = ranges.map((range) => {
    let total = SEGMENT_OVERHEAD + 16 * (range.end - range.start);
    for (let i = range.start; i < range.end; i++) total += track.samples.sizes[i];
    return total;
  });
  const seconds = durations.reduce((sum, d) => sum + d, 0);
  const average = seconds > 0 ? Math.ceil((8 * bytes.reduce((a, b) => a + b, 0)) / seconds) : 0;
  return { peak: playlistPeak(bytes, durations), average };
}

// The source's file bytes [start, end) holding a range's samples: one ranged read per segment.
export { rangeSpan } from '../mp42hls/audio-rendition.js';
