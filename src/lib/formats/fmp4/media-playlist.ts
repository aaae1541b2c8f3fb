// The media playlist of an fMP4 rendition (RFC 8216 §4.3.2.5 EXT-X-MAP, which needs version 6 or
// more; 7 as Apple's HLS authoring specification asks of fMP4), made from the film's MPEG-TS
// playlist line by line: every tag and EXTINF stays, so the two forms list the same durations;
// only the version, the added EXT-X-INDEPENDENT-SEGMENTS and EXT-X-MAP, and the URIs change.
import { PlaylistFormatError } from '../hls/errors.js';

interface Fmp4PlaylistNames {
  /** The init segment's URI (EXT-X-MAP). */
  readonly init: string;
  /** The URI of segment `k` (1-based). */
  segment(k: number): string;
}

export function fmp4MediaPlaylist(tsPlaylist: string, names: Fmp4PlaylistNames): string {
  const lines = tsPlaylist.split(/\r?\n/);
  if (lines[0] !== '#EXTM3U') throw new PlaylistFormatError('the MPEG-TS playlist does not start with #EXTM3U');
  const out: string[] = [];
  let k = 0;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-VERSION:') || line === '#EXT-X-INDEPENDENT-SEGMENTS') continue;
    if (line.startsWith('#EXTINF:') && k === 0) out.push('#EXT-X-INDEPENDENT-SEGMENTS', `#EXT-X-MAP:URI="${names.init}"`);
    if (line === '' || line.startsWith('#')) out.push(line);
    else out.push(names.segment(++k));
    if (line === '#EXTM3U') out.push('#EXT-X-VERSION:7');
  }
  if (k === 0) throw new PlaylistFormatError('the MPEG-TS playlist lists no segments');
  return out.join('\n');
}
