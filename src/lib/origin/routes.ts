// The route table: for each kind of request (origin/request-path.ts decides which), how its
// answer is sent — content type, which Cache-Control, and whether serving it records access
// for prune. One row per route, as nginx-vod-module keeps its request tables; the handlers
// (rendition-routes.ts, master-routes.ts, published-routes.ts, service-routes.ts) only make
// or find the bytes.
import type { Route } from './request-path.js';

export const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const SEGMENT_TYPE = 'video/mp2t';
const DASH_TYPE = 'application/dash+xml'; // ISO/IEC 23009-1 Annex C

// `configured` kinds come from serve.cacheControl; the others are fixed.
type CacheControlKind = 'playlist' | 'segment' | 'master' | 'no-store' | 'private' | 'day';

interface RouteRow {
  /** 'by-extension': a published file, a segment (.ts) or a playlist. */
  readonly contentType: string | 'by-extension';
  readonly cacheControl: CacheControlKind;
  /** Serving it moves the file's mtime forward (cache/access-tracker.ts): prune reads that. */
  readonly recordsAccess: boolean;
}

const row = (contentType: string, cacheControl: CacheControlKind, recordsAccess = false): RouteRow => ({
  contentType,
  cacheControl,
  recordsAccess,
});

export const ROUTE_TABLE: Readonly<Record<Route['kind'], RouteRow>> = {
  index: row(PLAYLIST_TYPE, 'playlist', true),
  segment: row(SEGMENT_TYPE, 'segment', true),
  'audio-index': row(PLAYLIST_TYPE, 'playlist', true),
  'audio-segment': row(SEGMENT_TYPE, 'segment', true),
  'subtitle-index': row(PLAYLIST_TYPE, 'playlist'),
  'subtitle-segment': row('text/vtt; charset=utf-8', 'segment'),
  // An AES-128 key (keys/): for the one viewer, never kept by a shared cache (RFC 9111 §5.2.2.7).
  key: row('application/octet-stream', 'private'),
  kfonly: row(PLAYLIST_TYPE, 'playlist', true),
  master: row(PLAYLIST_TYPE, 'master'),
  csmil: row(PLAYLIST_TYPE, 'master'),
  // The fMP4 form (docs/formats.md); an audio rendition's init and media segments are sent as
  // audio/mp4 (RFC 4337 §2) by origin/fmp4/fmp4-routes.ts.
  'fmp4-master': row(PLAYLIST_TYPE, 'master'),
  'fmp4-index': row(PLAYLIST_TYPE, 'playlist', true),
  'fmp4-kfonly': row(PLAYLIST_TYPE, 'playlist'),
  'fmp4-init': row('video/mp4', 'segment', true),
  'fmp4-segment': row('video/mp4', 'segment', true),
  dash: row(DASH_TYPE, 'master'),
  'dash-csmil': row(DASH_TYPE, 'master'),
  published: row('by-extension', 'playlist'),
  'published-kfonly': row(PLAYLIST_TYPE, 'playlist', true),
  'master-proxy': row(PLAYLIST_TYPE, 'master'),
  healthz: row('text/plain; charset=utf-8', 'no-store'),
  metrics: row('text/plain; version=0.0.4; charset=utf-8', 'no-store'),
  status: row('text/html; charset=utf-8', 'no-store'),
  'player-script': row('text/javascript; charset=utf-8', 'day'),
  library: row('text/html; charset=utf-8', 'no-store'),
};

interface Delivery {
  readonly contentType: string;
  readonly cacheControl: string;
}

// The content type and Cache-Control of an answer on `kind` for the file `name`.
export function deliveryFor(
  kind: Route['kind'],
  name: string,
  configured: { readonly playlist: string; readonly segment: string; readonly master: string },
): Delivery {
  const { contentType, cacheControl } = ROUTE_TABLE[kind];
  const segment = contentType === SEGMENT_TYPE || (contentType === 'by-extension' && name.endsWith('.ts'));
  const type = contentType === 'by-extension' ? (segment ? SEGMENT_TYPE : PLAYLIST_TYPE) : contentType;
  const control =
    segment && cacheControl === 'playlist'
      ? configured.segment
      : cacheControl === 'no-store'
        ? 'no-store'
        : cacheControl === 'private'
          ? 'private, no-store'
          : cacheControl === 'day'
            ? 'public, max-age=86400'
            : configured[cacheControl];
  return { contentType: type, cacheControl: control };
}
