// Which variant URIs of a third-party master address casterpak renditions, and where they go:
// resolution against the master's URL (RFC 3986 §5), host and path rules, the rewritten URI.
import { CasterpakError } from '../shared/errors.js';
import { KFONLY_DIR } from '../cache/names.js';

export interface VariantUriRules {
  /** the master's own URL; null for a local file with no known origin */
  readonly masterUrl: URL | null;
  /** casterpak's public base URL, without a trailing slash; '' for path-absolute URIs */
  readonly baseUrl: string;
  readonly pathPatterns: readonly RegExp[];
  /** lower-case host names (or host:port); empty: any host */
  readonly hosts: readonly string[];
}

type UriDecision =
  /** a casterpak rendition: `uri` is the rewritten URI, `path` its path (the rendition key) */
  | { readonly kind: 'casterpak'; readonly uri: string; readonly path: string }
  /** someone else's; `uri` is absolute when the original was relative and the master's URL known */
  | { readonly kind: 'other'; readonly uri: string; readonly path: string | null }
  /** relative, and no master URL to resolve it against: left as it is */
  | { readonly kind: 'unresolved'; readonly uri: string };

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

// A base URL is an http(s) origin with an optional path prefix; no query, no fragment. The
// empty string gives path-absolute URIs (`/i/…`): right for a master casterpak serves itself.
export function normalizeBaseUrl(baseUrl: string): string {
  if (baseUrl === '') return '';
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new CasterpakError('USAGE', `invalid base URL "${baseUrl}": not a URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new CasterpakError('USAGE', `invalid base URL "${baseUrl}": expected http(s)://host[:port][/prefix]`);
  }
  return url.href.replace(/\/+$/, '');
}

function hostAllowed(url: URL, hosts: readonly string[]): boolean {
  return hosts.length === 0 || hosts.includes(url.hostname.toLowerCase()) || hosts.includes(url.host.toLowerCase());
}

export function decideUri(raw: string, rules: VariantUriRules): UriDecision {
  let url: URL;
  let hostKnown = true;
  let relative = false;
  try {
    if (SCHEME.test(raw)) {
      url = new URL(raw);
    } else if (rules.masterUrl !== null) {
      url = new URL(raw, rules.masterUrl);
      // Protocol-relative URIs work from wherever the master is served; only others need the origin.
      relative = !raw.startsWith('//');
    } else if (raw.startsWith('//')) {
      // Protocol-relative with no master URL: the scheme does not matter, only host and path do.
      url = new URL(`https:${raw}`);
    } else if (raw.startsWith('/')) {
      // Path-absolute in a local file: the path is known, the host is not.
      url = new URL(raw, 'https://host.invalid');
      hostKnown = false;
    } else {
      return { kind: 'unresolved', uri: raw };
    }
  } catch {
    return { kind: 'other', uri: raw, path: null };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'other', uri: raw, path: null };
  const ours =
    rules.pathPatterns.some((pattern) => pattern.test(url.pathname)) &&
    (hostKnown ? hostAllowed(url, rules.hosts) : rules.hosts.length === 0);
  if (ours) return { kind: 'casterpak', uri: rules.baseUrl + url.pathname + url.search + url.hash, path: url.pathname };
  return { kind: 'other', uri: relative ? url.href : raw, path: hostKnown || rules.hosts.length === 0 ? url.pathname : null };
}

// `/i/x.mp4/index_0_av.m3u8` → `/i/x.mp4/kfonly/index_0_av.m3u8` (the path tag sits
// right before the playlist name).
export function iframePlaylistPath(variantPath: string): string {
  const slash = variantPath.lastIndexOf('/');
  return `${variantPath.slice(0, slash)}/${KFONLY_DIR}${variantPath.slice(slash)}`;
}

// Whether an existing I-frame playlist serves a variant: it is the variant's I-frame playlist,
// or it sits next to the variant (nginx-vod's iframes.m3u8, Akamai's iframes_0_av.m3u8).
export function isIFrameOf(iframePath: string, variantPath: string): boolean {
  const dir = (path: string) => path.slice(0, path.lastIndexOf('/'));
  return iframePath === iframePlaylistPath(variantPath) || dir(iframePath) === dir(variantPath);
}
