// Turns mp42hls's playlist into casterpak's media playlist (README, "The origin"): ALLOW-CACHE, VOD, v3,
// MEDIA-SEQUENCE:1, three-decimal EXTINF and segments numbered from 1.
import { renditionUrl } from '../cache/rendition-path.js';
import { CasterpakError } from '../shared/errors.js';
import { segmentName } from '../cache/names.js';

interface RawSegment {
  readonly uri: string; // as mp42hls wrote it
  readonly duration: number; // seconds
  readonly extinf: string; // as mp42hls printed it (C "%f")
}

// mp42hls 1.5.0 can write a TARGETDURATION below its rounded EXTINFs, which strict parsers
// refuse; only its EXTINF/URI pairs are used, so they are read line by line here.
export function readRawPlaylist(text: string): RawSegment[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines[0] !== '#EXTM3U') throw new CasterpakError('TOOL', 'mp42hls wrote a playlist without #EXTM3U');
  if (!lines.includes('#EXT-X-ENDLIST')) throw new CasterpakError('TOOL', 'mp42hls playlist has no EXT-X-ENDLIST (incomplete)');
  const segments: RawSegment[] = [];
  let duration: number | null = null;
  let extinf = '';
  for (const line of lines) {
    if (line.startsWith('#EXTINF:')) {
      extinf = line.slice('#EXTINF:'.length).split(',')[0];
      duration = Number.parseFloat(extinf);
      if (!Number.isFinite(duration) || duration < 0) throw new CasterpakError('TOOL', `mp42hls wrote a bad EXTINF: ${line}`);
    } else if (line && !line.startsWith('#')) {
      if (duration === null) throw new CasterpakError('TOOL', `mp42hls listed ${line} without EXTINF`);
      segments.push({ uri: line, duration, extinf });
      duration = null;
    }
  }
  if (segments.length === 0) throw new CasterpakError('TOOL', 'mp42hls playlist lists no segments');
  return segments;
}

// mp42hls times a segment from its first sample to the next segment's, so a file of one frame
// per track lasts 0.000000 s: a playlist players cannot play and a rate divided by 0. Its one
// segment lasts what the source says.
// `audioTail`: the audio mp42hls writes after the video's last frame, which its clock does not
// count (SegmentPlan.audioTail), added to the last segment.
export function playableDurations(durations: readonly number[], sourceMs: number, audioTail = 0): number[] {
  const total = durations.reduce((sum, d) => sum + d, 0);
  if (total === 0 && durations.length === 1 && sourceMs > 0) return [sourceMs / 1000];
  const out = [...durations];
  if (audioTail > 0 && out.length > 0) out[out.length - 1] += audioTail;
  return out;
}

interface MediaPlaylistOptions {
  /** Absolute base for segment URIs: `<base>/i/<rendition path>/`; null keeps them relative. */
  readonly segmentBaseUrl: string | null;
}

// EXTINF rounded to milliseconds; TARGETDURATION is the largest rounded EXTINF (RFC 8216 §4.3.3.1).
export function buildMediaPlaylist(durations: readonly number[], options: MediaPlaylistOptions): string {
  const rounded = durations.map((d) => Math.round(d * 1000) / 1000);
  const target = Math.max(1, ...rounded.map((d) => Math.round(d)));
  const lines = [
    '#EXTM3U',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-ALLOW-CACHE:YES',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-VERSION:3',
    '#EXT-X-MEDIA-SEQUENCE:1',
  ];
  rounded.forEach((duration, index) => {
    lines.push(`#EXTINF:${duration.toFixed(3)},`, (options.segmentBaseUrl ?? '') + segmentName(index + 1));
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

// `https://host` + `a/b.mp4` → `https://host/i/a/b.mp4/`, each path segment percent-encoded.
export function segmentBaseUrl(publicBaseUrl: string | null, renditionPath: string): string | null {
  return publicBaseUrl === null ? null : renditionUrl(renditionPath, publicBaseUrl);
}
