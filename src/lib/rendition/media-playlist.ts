// Turns mp42hls's playlist into the child playlist of seed 000: ALLOW-CACHE, VOD, v3,
// MEDIA-SEQUENCE:1, three-decimal EXTINF and segments numbered from 1.
import { CasterpakError } from '../errors.js';
import { parseMediaPlaylist } from '../playlist/codec.js';
import { segmentName } from './names.js';

export interface RawSegment {
  readonly uri: string; // as mp42hls wrote it
  readonly duration: number; // seconds
}

export function readRawPlaylist(text: string): RawSegment[] {
  const playlist = parseMediaPlaylist(text);
  if (!playlist.endlist) throw new CasterpakError('TOOL', 'mp42hls playlist has no EXT-X-ENDLIST (incomplete)');
  if (playlist.segments.length === 0) throw new CasterpakError('TOOL', 'mp42hls playlist lists no segments');
  return playlist.segments.map((s) => ({ uri: s.uri, duration: s.duration }));
}

export interface ChildPlaylistOptions {
  /** Absolute base for segment URIs: `<base>/i/<rendition path>/`; null keeps them relative. */
  readonly segmentBaseUrl: string | null;
}

// EXTINF rounded to milliseconds; TARGETDURATION is the largest rounded EXTINF (RFC 8216 §4.3.3.1).
export function buildChildPlaylist(durations: readonly number[], options: ChildPlaylistOptions): string {
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
  if (publicBaseUrl === null) return null;
  const encoded = renditionPath.split('/').map(encodeURIComponent).join('/');
  return `${publicBaseUrl.replace(/\/+$/, '')}/i/${encoded}/`;
}
