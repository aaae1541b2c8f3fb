// Reads playlists from an upstream (the one upstream GET, net/http-get.ts) or a local file,
// within limits: redirects checked against the allowed origins, one time limit, the body
// counted while it streams. Failures are one-line CasterpakErrors:
// UPSTREAM (502), UPSTREAM_TIMEOUT (504), BAD_PLAYLIST (502, not a master).
import { promises as fs } from 'node:fs';
import { CasterpakError } from '../shared/errors.js';
import { assertMasterPlaylist } from './master-check.js';
import { readBounded } from '../net/bounded-body.js';
import { upstreamGet } from '../net/http-get.js';

// Masters are a few KiB; anything near this is not one.
export const MASTER_MAX_BYTES = 1024 * 1024;

interface FetchTextOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** origins the URL and its redirects may be on; undefined: any http(s) origin */
  readonly allowedOrigins?: readonly string[];
  /** @default 5 */ readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
}

interface FetchedText {
  readonly text: string;
  /** after redirects: relative URIs in the body resolve against it */
  readonly finalUrl: URL;
}

// GET a text resource: 200 only, redirects by hand, bounded in time and size.
export async function fetchText(url: URL, options: FetchTextOptions): Promise<FetchedText> {
  const get = {
    ...options,
    allowedOrigins: options.allowedOrigins ?? 'any',
    accept: 'application/vnd.apple.mpegurl, application/x-mpegurl, */*;q=0.5',
  } as const;
  return upstreamGet(url, get, async (response, finalUrl) => {
    if (/^text\/html\b/i.test(response.headers.get('content-type') ?? '')) {
      await response.body?.cancel();
      throw new CasterpakError('BAD_PLAYLIST', `${finalUrl.href}: an HTML page, not an HLS playlist`);
    }
    return { text: new TextDecoder().decode(await readBounded(response, finalUrl, options.maxBytes)), finalUrl };
  });
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
    if (stat.size > maxBytes)
      throw new CasterpakError('BAD_PLAYLIST', `${file}: ${stat.size} bytes, larger than ${maxBytes}; not a master playlist`);
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
