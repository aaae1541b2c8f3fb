// Reads playlists from an upstream (built-in fetch) or a local file, within limits: at most 5
// redirects followed by hand (each checked against the allowed hosts), one time limit for the
// whole exchange, the body counted while it streams. Failures are one-line CasterpakErrors:
// UPSTREAM (502), UPSTREAM_TIMEOUT (504), BAD_PLAYLIST (502, not a master).
import { promises as fs } from 'node:fs';
import { CasterpakError } from '../errors.js';
import { assertMasterPlaylist } from '../playlist/master-check.js';
import { VERSION } from '../version.js';
import { readBounded } from './bounded-body.js';

// Masters are a few KiB; anything near this is not one.
export const MASTER_MAX_BYTES = 1024 * 1024;
export const MAX_REDIRECTS = 5;

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

const REDIRECT = new Set([301, 302, 303, 307, 308]);

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
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new CasterpakError('UPSTREAM', `${first.href}: cannot fetch (${reason})`, { cause: error });
}

// GET a text resource: 200 only, redirects by hand, bounded in time and size.
export async function fetchText(url: URL, options: FetchTextOptions): Promise<FetchedText> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  try {
    let current = url;
    checkHost(current, options.allowedHosts, url);
    for (let hop = 0; ; hop++) {
      const response = await fetch(current, {
        redirect: 'manual',
        signal: controller.signal,
        headers: { 'user-agent': `casterpak/${VERSION}`, accept: 'application/vnd.apple.mpegurl, application/x-mpegurl, */*;q=0.5' },
      });
      if (REDIRECT.has(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (!location) throw new CasterpakError('UPSTREAM', `${url.href}: redirect (${response.status}) without a Location`);
        if (hop >= maxRedirects) throw new CasterpakError('UPSTREAM', `${url.href}: more than ${maxRedirects} redirects`);
        current = new URL(location, current);
        checkHost(current, options.allowedHosts, url);
        continue;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new CasterpakError('UPSTREAM', `${current.href}: upstream answered ${response.status} ${response.statusText}`.trim());
      }
      if (/^text\/html\b/i.test(response.headers.get('content-type') ?? '')) {
        await response.body?.cancel();
        throw new CasterpakError('BAD_PLAYLIST', `${current.href}: an HTML page, not an HLS playlist`);
      }
      return { text: new TextDecoder().decode(await readBounded(response, current, options.maxBytes)), finalUrl: current };
    }
  } catch (error) {
    throw describeFailure(error, url, options, timedOut);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
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
