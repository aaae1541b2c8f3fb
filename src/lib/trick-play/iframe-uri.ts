// Segment URIs as seen from the I-frame playlist, which sits one directory below its source
// (`…/rel_path/kfonly/streamName.m3u8`). Seed 004: trick play needs relative segment URIs, so
// absolute URIs are accepted only on the playlist's own origin and written back as references.
import { CasterpakError } from '../shared/errors.js';
import { KFONLY_DIR } from '../cache/names.js';

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

// The URL of the I-frame playlist derived from its source playlist's URL.
export function iframePlaylistUrl(playlistUrl: URL): URL {
  const name = playlistUrl.pathname.slice(playlistUrl.pathname.lastIndexOf('/') + 1);
  return new URL(`${KFONLY_DIR}/${name}`, playlistUrl);
}

// Whether a segment URI is absolute and so needs an origin check.
function isAbsoluteUri(uri: string): boolean {
  return HAS_SCHEME.test(uri) || uri.startsWith('//');
}

// Throws FORBIDDEN_HOST when `segmentUri` resolves to another origin than the playlist.
export function resolveSegmentUrl(segmentUri: string, playlistUrl: URL): URL {
  const url = new URL(segmentUri, playlistUrl);
  if (url.protocol !== playlistUrl.protocol || url.host !== playlistUrl.host) {
    throw new CasterpakError(
      'FORBIDDEN_HOST',
      `${playlistUrl.href}: segment URI ${segmentUri} is on another origin; trick play needs relative segment URIs`,
    );
  }
  return url;
}

// `seg1.ts` → `../seg1.ts` (query kept); a same-origin absolute URI → `../<path below the
// playlist directory>` or, outside it, its absolute path.
export function iframeSegmentUri(segmentUri: string, playlistUrl: URL): string {
  if (!isAbsoluteUri(segmentUri)) return segmentUri.startsWith('/') ? segmentUri : `../${segmentUri}`;
  const url = resolveSegmentUrl(segmentUri, playlistUrl);
  const directory = playlistUrl.pathname.slice(0, playlistUrl.pathname.lastIndexOf('/') + 1);
  const below = url.pathname.startsWith(directory) ? url.pathname.slice(directory.length) : null;
  return (below !== null && below !== '' ? `../${below}` : url.pathname) + url.search;
}
