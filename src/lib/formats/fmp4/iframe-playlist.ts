// The I-frame playlist of an fMP4 video rendition (RFC 8216 §4.3.3.6 EXT-X-I-FRAMES-ONLY, with
// EXT-X-MAP for the init segment, §4.3.2.5): one entry per media segment that starts with a
// sync sample, its byte range the segment's start (styp, moof, mdat header) through that key
// frame's bytes, which is all a player needs to decode it, known from the sample table alone
// (segments.ts lays every segment out the same way). Each entry lasts until the next one.
import type { Track } from '../mp4/moov.js';
import type { SampleRange } from '../mp42hls/segment-plan.js';
import { peakBitRate } from '../hls/peak-bandwidth.js';
import { mediaSegmentHeaderBytes } from './segments.js';

interface IFrameEntry {
  /** 1-based segment number. */
  readonly segment: number;
  readonly bytes: number;
  readonly seconds: number;
}

// `durations`: each planned segment's seconds (segment-plan.ts).
export function iframeEntries(track: Track, ranges: readonly SampleRange[], durations: readonly number[]): IFrameEntry[] {
  const entries: { segment: number; bytes: number; seconds: number }[] = [];
  ranges.forEach((range, k) => {
    const keyed = range.end > range.start && track.samples.sync[range.start] === 1;
    if (keyed)
      entries.push({
        segment: k + 1,
        bytes: mediaSegmentHeaderBytes(range.end - range.start) + track.samples.sizes[range.start],
        seconds: durations[k],
      });
    else if (entries.length > 0) entries[entries.length - 1].seconds += durations[k];
  });
  return entries;
}

// Peak (§4.3.4.2, as the MPEG-TS I-frame playlists measure it) and average bits/s of the entries.
export function iframeRates(entries: readonly IFrameEntry[]): { peak: number; average: number } {
  const seconds = entries.map((e) => Math.round(e.seconds * 1000) / 1000);
  const bytes = entries.map((e) => e.bytes);
  const targetDuration = Math.max(1, ...seconds.map((d) => Math.round(d)));
  const total = seconds.reduce((a, b) => a + b, 0);
  return {
    peak: Math.ceil(peakBitRate({ bytes, seconds, otherSeconds: entries.map((e) => e.seconds), targetDuration })),
    average: total > 0 ? Math.ceil((8 * bytes.reduce((a, b) => a + b, 0)) / total) : 0,
  };
}

export function buildFmp4IFramePlaylist(
  entries: readonly IFrameEntry[],
  names: { readonly init: string; segment(k: number): string },
): string {
  const rounded = entries.map((e) => Math.round(e.seconds * 1000) / 1000);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, ...rounded.map((d) => Math.round(d)))}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-MEDIA-SEQUENCE:1',
    '#EXT-X-I-FRAMES-ONLY',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${names.init}"`,
  ];
  entries.forEach((e, i) => lines.push(`#EXTINF:${rounded[i].toFixed(3)},`, `#EXT-X-BYTERANGE:${e.bytes}@0`, names.segment(e.segment)));
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
