// Turns a raw request path into a route, before anything touches the disk or the network.
// The raw path is checked against a strict character set (RFC 3986 section 3.3's pchar, and the
// brackets browsers leave unencoded), percent-decoded exactly once as UTF-8, normalised to Unicode
// NFC (a name typed or copied on another system reaches the same file), and refused when decoding
// reveals backslashes, dot segments, control characters or more percent signs (double encoding).
// File paths are then built only from the validated segments (cache/rendition-path.ts).
import { MAX_PATH_LENGTH, relativePathError, renditionPathError } from '../cache/rendition-path.js';
import {
  AUDIO_PLAYLIST_PATTERN,
  AUDIO_SEGMENT_PATTERN,
  DASH_MANIFEST,
  FMP4_DIR,
  FMP4_INIT_PATTERN,
  FMP4_PLAYLIST_PATTERN,
  FMP4_SEGMENT_PATTERN,
  INDEX_PLAYLIST,
  KFONLY_DIR,
  MASTER_PLAYLIST,
  SEGMENT_PATTERN,
  SUBTITLE_PLAYLIST_PATTERN,
  SUBTITLE_SEGMENT_PATTERN,
  fmp4PlaylistName,
  parseFmp4Ref,
} from '../cache/names.js';
import type { Fmp4Ref } from '../formats/fmp4/tracks.js';
import { KEY_PATTERN } from './keys/key-names.js';
import { TOKEN_PARAM } from './tokens/carry-token.js';

export type Route =
  | { readonly kind: 'status' | 'healthz' | 'metrics' | 'player-script' }
  | { readonly kind: 'library'; readonly dir: string; readonly page: number }
  | { readonly kind: 'index' | 'master' | 'kfonly'; readonly renditionPath: string }
  | { readonly kind: 'segment'; readonly renditionPath: string; readonly segment: number }
  | { readonly kind: 'audio-index'; readonly renditionPath: string; readonly track: number }
  | { readonly kind: 'audio-segment'; readonly renditionPath: string; readonly track: number; readonly segment: number }
  | { readonly kind: 'subtitle-index'; readonly renditionPath: string; readonly id: string }
  | { readonly kind: 'subtitle-segment'; readonly renditionPath: string; readonly id: string; readonly segment: number }
  | { readonly kind: 'csmil' | 'dash-csmil'; readonly renditionPaths: readonly string[] }
  | { readonly kind: 'fmp4-master' | 'fmp4-kfonly' | 'dash'; readonly renditionPath: string }
  | { readonly kind: 'fmp4-index' | 'fmp4-init'; readonly renditionPath: string; readonly ref: Fmp4Ref }
  | { readonly kind: 'fmp4-segment'; readonly renditionPath: string; readonly ref: Fmp4Ref; readonly segment: number }
  | { readonly kind: 'key'; readonly renditionPath: string; readonly name: string }
  | { readonly kind: 'published'; readonly path: string }
  | { readonly kind: 'published-kfonly'; readonly dir: string; readonly name: string }
  | { readonly kind: 'master-proxy'; readonly pathAndQuery: string };

// The route of one kind, e.g. RouteOf<'segment'>.
export type RouteOf<K extends Route['kind']> = Route & { readonly kind: K };

export type RouteResult =
  { readonly ok: true; readonly route: Route } | { readonly ok: false; readonly status: 400 | 403 | 404 | 414; readonly reason: string };

export interface RouteOptions {
  readonly mediaExtensions: readonly string[];
  readonly masterPrefix: string; // e.g. '/p/'
}

// The status page's player (hls.js): one fixed path, nothing taken from the request.
export const PLAYER_SCRIPT_PATH = '/_casterpak/hls.min.js';
// The status page's library browser: `?dir=<directory below the source root>&page=<n>`.
export const LIBRARY_PATH = '/_casterpak/library';

const RAW_ALLOWED = /^[A-Za-z0-9_.~@=+,/%!$&'()*;:[\]-]*$/;
const PUBLISHED_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.~@=+,-]{0,254}$/;
const MAX_RAW_LENGTH = MAX_PATH_LENGTH + 256;

const fail = (status: 400 | 403 | 404 | 414, reason: string): RouteResult => ({ ok: false, status, reason });

// Decodes and checks a raw path; returns its segments or a refusal.
export function decodePath(rawPath: string): { segments: string[] } | { status: 400 | 403 | 414; reason: string } {
  if (rawPath.length > MAX_RAW_LENGTH) return { status: 414, reason: 'path too long' };
  if (!rawPath.startsWith('/')) return { status: 400, reason: 'path must start with /' };
  if (!RAW_ALLOWED.test(rawPath)) return { status: 400, reason: 'path has characters outside the allowed set' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, reason: 'bad percent-encoding' };
  }
  decoded = decoded.normalize('NFC');
  if (/[%\\\p{Cc}]/u.test(decoded)) return { status: 400, reason: 'encoded separator, control character or double encoding' };
  const segments = decoded.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '..' || segment === '.') return { status: 403, reason: 'dot segment in path' };
    if (segment.startsWith('.')) return { status: 403, reason: 'hidden path segment' };
  }
  if (segments.slice(0, -1).some((s) => s === '')) return { status: 400, reason: 'empty path segment' };
  return { segments };
}

function rendition(segments: string[], options: RouteOptions): string | RouteResult {
  const renditionPath = segments.join('/');
  const error = renditionPathError(renditionPath, options.mediaExtensions);
  return error ? fail(404, error) : renditionPath;
}

// Akamai MSOD: `<dir>/<prefix>,<a>,<b>,<suffix>.csmil` names `<dir>/<prefix><a><suffix>`, ….
function csmil(dirSegments: string[], name: string, options: RouteOptions, kind: 'csmil' | 'dash-csmil' = 'csmil'): RouteResult {
  const parts = name.slice(0, -'.csmil'.length).split(',');
  if (parts.length < 3) return fail(404, 'a .csmil name needs a prefix, at least one rendition and a suffix');
  const prefix = parts[0];
  const suffix = parts[parts.length - 1];
  const middles = parts.slice(1, -1).filter((p) => p !== '');
  if (middles.length === 0 || middles.length > 32) return fail(404, 'a .csmil name lists 1 to 32 renditions');
  const renditionPaths: string[] = [];
  for (const middle of middles) {
    const result = rendition([...dirSegments, `${prefix}${middle}${suffix}`], options);
    if (typeof result !== 'string') return result;
    renditionPaths.push(result);
  }
  return { ok: true, route: { kind, renditionPaths } };
}

// `<rendition>/fmp4/<file>`: the fMP4 form's master, playlists, init and media segments (docs/formats.md).
function fmp4(renditionPath: string, file: string): RouteResult {
  if (file === MASTER_PLAYLIST) return { ok: true, route: { kind: 'fmp4-master', renditionPath } };
  const index = FMP4_PLAYLIST_PATTERN.exec(file);
  if (index) return { ok: true, route: { kind: 'fmp4-index', renditionPath, ref: parseFmp4Ref(index[1]) } };
  const init = FMP4_INIT_PATTERN.exec(file);
  if (init) return { ok: true, route: { kind: 'fmp4-init', renditionPath, ref: parseFmp4Ref(init[1]) } };
  const segment = FMP4_SEGMENT_PATTERN.exec(file);
  if (segment)
    return { ok: true, route: { kind: 'fmp4-segment', renditionPath, ref: parseFmp4Ref(segment[2]), segment: Number(segment[1]) } };
  return fail(404, 'no such file in the fMP4 form of a rendition');
}

// The library's query, checked as strictly as a path: known keys once each, `dir` through
// decodePath and the rendition path rules (so it names only a directory casterpak could serve
// from), `page` a plain number. Nothing of a refused query is echoed.
function library(rawQuery: string): RouteResult {
  if (rawQuery.length > MAX_RAW_LENGTH) return fail(414, 'query too long');
  const values = new Map<string, string>();
  for (const part of rawQuery === '' ? [] : rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key !== 'dir' && key !== 'page') return fail(400, 'unknown query parameter (the library takes dir and page)');
    if (values.has(key)) return fail(400, `${key} given twice`);
    values.set(key, eq < 0 ? '' : part.slice(eq + 1));
  }
  const rawDir = values.get('dir') ?? '';
  let dir = '';
  if (rawDir !== '') {
    const decoded = decodePath(`/${rawDir}`);
    if (!('segments' in decoded)) return fail(decoded.status, `dir: ${decoded.reason}`);
    dir = decoded.segments.join('/').replace(/\/$/, ''); // a directory may end in one slash
    if (relativePathError(dir)) return fail(400, 'dir: not a directory name casterpak serves from (cache/rendition-path.ts rules)');
  }
  const rawPage = values.get('page') ?? '1';
  if (!/^[1-9][0-9]{0,5}$/.test(rawPage)) return fail(400, 'page must be a whole number from 1');
  return { ok: true, route: { kind: 'library', dir, page: Number(rawPage) } };
}

export function routeRequest(rawPath: string, rawQuery: string, options: RouteOptions): RouteResult {
  if (rawPath === '/') return { ok: true, route: { kind: 'status' } };
  if (rawPath === '/healthz') return { ok: true, route: { kind: 'healthz' } };
  if (rawPath === '/metrics') return { ok: true, route: { kind: 'metrics' } };
  if (rawPath === PLAYER_SCRIPT_PATH) return { ok: true, route: { kind: 'player-script' } };
  if (rawPath === LIBRARY_PATH) return library(rawQuery);
  const decoded = decodePath(rawPath);
  if (!('segments' in decoded)) return fail(decoded.status, decoded.reason);
  const segments = decoded.segments;
  const [area, ...rest] = segments;
  const file = rest[rest.length - 1] ?? '';
  if (`/${area}/` === options.masterPrefix && rest.length > 0) {
    // The token is casterpak's (docs/security.md): it is checked here and never sent upstream.
    const query = rawQuery
      .split('&')
      .filter((part) => part !== '' && !part.startsWith(`${TOKEN_PARAM}=`))
      .join('&');
    return { ok: true, route: { kind: 'master-proxy', pathAndQuery: rawPath + (query ? `?${query}` : '') } };
  }
  if (area === 'i' && rest.length >= 2) {
    const parent = rest.slice(0, -1);
    if ((file === MASTER_PLAYLIST || file === DASH_MANIFEST) && parent[parent.length - 1].endsWith('.csmil')) {
      return csmil(parent.slice(0, -1), parent[parent.length - 1], options, file === DASH_MANIFEST ? 'dash-csmil' : 'csmil');
    }
    if (
      file === fmp4PlaylistName('v') &&
      parent.length >= 3 &&
      parent[parent.length - 1] === KFONLY_DIR &&
      parent[parent.length - 2] === FMP4_DIR
    ) {
      const r = rendition(parent.slice(0, -2), options);
      return typeof r === 'string' ? { ok: true, route: { kind: 'fmp4-kfonly', renditionPath: r } } : r;
    }
    if (parent[parent.length - 1] === FMP4_DIR && parent.length >= 2) {
      const r = rendition(parent.slice(0, -1), options);
      return typeof r === 'string' ? fmp4(r, file) : r;
    }
    if (file === INDEX_PLAYLIST && parent[parent.length - 1] === KFONLY_DIR && parent.length >= 2) {
      const r = rendition(parent.slice(0, -1), options);
      return typeof r === 'string' ? { ok: true, route: { kind: 'kfonly', renditionPath: r } } : r;
    }
    const r = rendition(parent, options);
    if (typeof r !== 'string') return r;
    if (file === INDEX_PLAYLIST) return { ok: true, route: { kind: 'index', renditionPath: r } };
    if (file === MASTER_PLAYLIST) return { ok: true, route: { kind: 'master', renditionPath: r } };
    if (file === DASH_MANIFEST) return { ok: true, route: { kind: 'dash', renditionPath: r } };
    const segment = SEGMENT_PATTERN.exec(file);
    if (segment) return { ok: true, route: { kind: 'segment', renditionPath: r, segment: Number(segment[1]) } };
    const audioIndex = AUDIO_PLAYLIST_PATTERN.exec(file);
    if (audioIndex) return { ok: true, route: { kind: 'audio-index', renditionPath: r, track: Number(audioIndex[1]) } };
    const audio = AUDIO_SEGMENT_PATTERN.exec(file);
    if (audio) return { ok: true, route: { kind: 'audio-segment', renditionPath: r, track: Number(audio[2]), segment: Number(audio[1]) } };
    const subtitles = SUBTITLE_PLAYLIST_PATTERN.exec(file);
    if (subtitles) return { ok: true, route: { kind: 'subtitle-index', renditionPath: r, id: subtitles[1] } };
    const cues = SUBTITLE_SEGMENT_PATTERN.exec(file);
    if (cues) return { ok: true, route: { kind: 'subtitle-segment', renditionPath: r, id: cues[2], segment: Number(cues[1]) } };
    if (KEY_PATTERN.test(file)) return { ok: true, route: { kind: 'key', renditionPath: r, name: file } };
    return fail(404, 'no such file in a rendition');
  }
  if (area === 'hls' && rest.length >= 1) {
    if (!rest.every((s) => PUBLISHED_SEGMENT.test(s))) return fail(404, 'bad published path');
    if (!/\.(m3u8|ts)$/.test(file)) return fail(404, 'only .m3u8 and .ts are served from the published root');
    if (rest.length >= 2 && rest[rest.length - 2] === KFONLY_DIR && file.endsWith('.m3u8')) {
      return { ok: true, route: { kind: 'published-kfonly', dir: rest.slice(0, -2).join('/'), name: file } };
    }
    return { ok: true, route: { kind: 'published', path: rest.join('/') } };
  }
  return fail(404, 'no such route');
}
