// Which tracks a film's fMP4 renditions carry and which samples each segment holds. One track per
// rendition (CMAF, ISO/IEC 23000-19 §7.3.2; docs/formats.md): the video track mp42hls packages,
// cut on exactly the MPEG-TS segments' boundaries (segment-plan.ts), and each audio track casterpak
// carries, cut at the times its audio renditions are (audio-rendition.ts), so segment K of every
// rendition and form covers the same time and the playlists list the same EXTINFs.
import { codecString } from '../mp4/codec-string.js';
import { Mp4FormatError } from '../mp4/errors.js';
import type { Movie, Track } from '../mp4/moov.js';
import { audioRanges } from '../mp42hls/audio-rendition.js';
import { carriableAudioTracks } from '../mp42hls/carriage.js';
import type { SampleRange, SegmentPlan } from '../mp42hls/segment-plan.js';
import { playlistPeak, type Bandwidth } from '../mp42hls/segment-size.js';
import { mediaSegmentHeaderBytes } from './segments.js';
import { iframeEntries, iframeRates } from './iframe-playlist.js';

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

// Peak (RFC 8216 §4.3.4.2, measured as segment-size.ts's playlistPeak) and average bit rates of a
// rendition whose segments last `durations` seconds: exact, as the segments' sizes are known.
function fmp4Rates(track: Track, ranges: readonly SampleRange[], durations: readonly number[]): Bandwidth {
  const bytes = ranges.map((range) => {
    let total = mediaSegmentHeaderBytes(range.end - range.start);
    for (let i = range.start; i < range.end; i++) total += track.samples.sizes[i];
    return total;
  });
  const seconds = durations.reduce((sum, d) => sum + d, 0);
  const average = seconds > 0 ? Math.ceil((8 * bytes.reduce((a, b) => a + b, 0)) / seconds) : 0;
  return { peak: playlistPeak(bytes, durations), average };
}

// What a master (masters/fmp4-master.ts) and a DASH manifest (mpd.ts) say of one fMP4 rendition.
export interface Fmp4Rendition {
  readonly ref: Fmp4Ref;
  readonly trackId: number;
  readonly kind: 'video' | 'audio';
  /** RFC 6381, the sample entry's own (hvc1 stays hvc1, avc3 stays avc3: fMP4 carries the entry). */
  readonly codec: string;
  readonly timescale: number;
  /** Per segment from the first, while it has samples: its tfdt (on the presentation timeline, not 0
   * for a track that starts after another) and the sum of its sample durations. */
  readonly timeline: readonly { readonly t: number; readonly d: number }[];
  readonly peak: number;
  readonly average: number;
  /** The video's I-frame playlist's rates (iframe-playlist.ts). */
  readonly iframe?: { readonly peak: number; readonly average: number };
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
  readonly sampleRate?: number;
  readonly channels?: number;
  readonly language: string;
  readonly enabled: boolean;
}

function timeline(track: Track, ranges: readonly SampleRange[]): { t: number; d: number }[] {
  const out: { t: number; d: number }[] = [];
  for (const range of ranges) {
    if (range.end <= range.start) break;
    let d = 0;
    for (let i = range.start; i < range.end; i++) d += track.samples.durations[i];
    out.push({ t: track.samples.decodeTimes[range.start], d });
  }
  return out;
}

// Every rendition of a film's fMP4 form; `picture` as the MPEG-TS rendition's master says it
// (media-info.ts: a quarter turn shows height × width).
export function describeFmp4(
  movie: Movie,
  plan: SegmentPlan,
  picture: { readonly width?: number; readonly height?: number; readonly frameRate?: number } = {},
): Fmp4Rendition[] {
  const durations = plan.segments.map((s) => s.duration);
  return fmp4Refs(movie, plan).map((ref) => {
    const track = fmp4Track(movie, plan, ref);
    const ranges = fmp4Ranges(movie, plan, ref);
    const video = ref === 'v';
    // The init segment keeps the display matrix (segments.ts): a quarter turn is shown height × width.
    const [width, height] = track.quarterTurn ? [picture.height, picture.width] : [picture.width, picture.height];
    return {
      ref,
      trackId: track.id,
      kind: video ? 'video' : 'audio',
      codec: codecString(track),
      timescale: track.timescale,
      timeline: timeline(track, ranges),
      ...fmp4Rates(track, ranges, durations),
      ...(video
        ? {
            iframe: iframeRates(iframeEntries(track, ranges, durations)),
            width,
            height,
            frameRate: picture.frameRate,
          }
        : { sampleRate: track.sampleRate, channels: track.channelCount }),
      language: track.language,
      enabled: track.enabled,
    };
  });
}

// The source's file bytes [start, end) holding a range's samples: one ranged read per segment.
export { rangeSpan } from '../mp42hls/audio-rendition.js';
