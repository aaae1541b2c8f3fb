// Reads playlists from an upstream (built-in fetch) or a local file, within limits: at most 5
// redirects followed by hand (each checked against the allowed hosts), one time limit for the
// whole exchange, the body counted while it streams. Failures are one-line CasterpakErrors:
// UPSTREAM (502), UPSTREAM_TIMEOUT (504), BAD_PLAYLIST (502, not a master).
import { promises as fs } from 'node:fs';
import { CasterpakError } from '../shared/errors.js';
import { assertMasterPlaylist } from './master-check.js';
import { readBounded } from '../net/bounded-body.js';
import { deadline, getFollowingRedirects, networkError, MAX_REDIRECTS } from '../net/http-get.js';

export { MAX_REDIRECTS };

// Masters are a few KiB; anything near this is not one.
export const MASTER_MAX_BYTES = 1024 * 1024;

export interface FetchTextOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** hosts the URL and its redirects may be on (host or host:port); undefined: any http(s) host */
  readonly allowedHosts?: readonly string[];
  /** @default 5 */ readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
}

export interface FetchedText {
  readonly text: string;
  /** after redirects: relative URIs in the body resolve against it */
  readonly finalUrl: URL;
}

function checkHost(url: URL, allowed: readonly string[] | undefined, first: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CasterpakError('UPSTREAM', `${first.href}: redirected to a non-http URL (${url.protocol}); refused`);
  }
  if (allowed === undefined) return;
  const lower = allowed.map((host) => host.toLowerCase());
  if (!lower.includes(url.host.toLowerCase()) && !lower.includes(url.hostname.toLowerCase())) {
    throw new CasterpakError('UPSTREAM', `${first.href}: ${url === first ? 'host' : 'redirect to'} ${url.host} is not allowed; refused`);
  }
}

function describeFailure(error: unknown, first: URL, options: FetchTextOptions, timedOut: boolean): CasterpakError {
  if (timedOut) return new CasterpakError('UPSTREAM_TIMEOUT', `${first.href}: no complete answer within ${options.timeoutMs} ms`, { cause: error });
  if (error instanceof CasterpakError) return error;
  if (options.signal?.aborted) return new CasterpakError('CANCELLED', `${first.href}: cancelled`, { cause: error });
  return networkError(first, error);
}

// GET a text resource: 200 only, redirects by hand, bounded in time and size.
export async function fetchText(url: URL, options: FetchTextOptions): Promise<FetchedText> {
  const limit = deadline(options.timeoutMs, options.signal);
  try {
    const { response, url: current } = await getFollowingRedirects(url, {
      signal: limit.signal,
      allow: (next) => checkHost(next, options.allowedHosts, url),
      maxRedirects: options.maxRedirects,
      accept: 'application/vnd.apple.mpegurl, application/x-mpegurl, */*;q=0.5',
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new CasterpakError('UPSTREAM', `${current.href}: upstream answered ${response.status} ${response.statusText}`.trim());
    }
    if (/^text\/html\b/i.test(response.headers.get('content-type') ?? '')) {
      await response.body?.cancel();
      throw new CasterpakError('BAD_PLAYLIST', `${current.href}: an HTML page, not an HLS playlist`);
    }
    return { text: new TextDecoder().decode(await readBounded(response, current, options.maxBytes)), finalUrl: current };
  } catch (error) {
    throw describeFailure(error, url, options, limit.timedOut());
  } finally {
    limit.done();
  }
}

// A master playlist from an upstream; anything else (media playlist, HTML, empty) is refused.
export async function fetchMaster(url: URL, options: FetchTextOptions): Promise<FetchedText> {
  const fetched = await fetchText(url, options);
  assertMasterPlaylist(fetched.text, fetched.finalUrl.href);
  return fetched;
}

// A master playlist from a local file, with the same checks.
export async function readMasterFile(file: string, maxBytes = MASTER_MAX_BYTES): Promise<string> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new CasterpakError('USAGE', `${file}: not a file`);
    if (stat.size > maxBytes) throw new CasterpakError('BAD_PLAYLIST', `${file}: ${stat.size} bytes, larger than ${maxBytes}; not a master playlist`);
    // RFC 8216 §4.1 forbids a BOM; editors on Windows add one anyway.
    text = (await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    if (error instanceof CasterpakError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CasterpakError('NOT_FOUND', `${file}: no such file`, { cause: error });
    throw new CasterpakError('USAGE', `${file}: cannot read (${code ?? String(error)})`, { cause: error });
  }
  assertMasterPlaylist(text, file);
  return text;
}
