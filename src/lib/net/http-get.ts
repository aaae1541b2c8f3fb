// One bounded GET for every upstream (sources, published segments, masters): built-in fetch,
// redirects followed by hand with each hop checked against the allowed origins (no host the
// configuration did not name is contacted), one time limit for the whole exchange (body
// included) that also follows the caller's cancel signal.
import { CasterpakError } from '../shared/errors.js';
import { VERSION } from '../shared/version.js';

const MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

interface Deadline {
  readonly signal: AbortSignal;
  /** true once the time limit (not the caller) aborted the exchange */
  timedOut(): boolean;
  /** stops the timer and detaches from the caller's signal */
  done(): void;
}

function deadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  parent?.addEventListener('abort', onAbort, { once: true });
  if (parent?.aborted) controller.abort();
  return {
    signal: controller.signal,
    timedOut: () => expired,
    done: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

// Which origins a GET and its redirects may reach: the configured ones, or (for a URL the
// operator typed on the command line) any http(s) origin.
export type AllowedOrigins = readonly string[] | 'any';

export interface UpstreamGetOptions {
  readonly timeoutMs: number;
  readonly allowedOrigins: AllowedOrigins;
  readonly signal?: AbortSignal;
  /** @default MAX_REDIRECTS */ readonly maxRedirects?: number;
  readonly accept?: string;
  /** Statuses handed to `consume`. @default [200] */ readonly statuses?: readonly number[];
  /** Extra request headers (e.g. Range). */ readonly headers?: Readonly<Record<string, string>>;
  /** The request's headers, signed for its URL (S3's SigV4, net/sigv4.ts); called again on each redirect. */
  readonly sign?: RequestSigner;
  /** Why an upstream refused (e.g. S3's error code), read from a refusal's body; never credentials. */
  readonly explain?: (response: Response) => Promise<string | null>;
}

export type RequestSigner = (url: URL, headers: Readonly<Record<string, string>>) => Record<string, string>;

// The host rule: http(s) only, and an allowed origin (scheme, host and port) for the first URL
// and every redirect. A refusal is FORBIDDEN_HOST, whoever asked; nothing is sent to that host.
function checkOrigin(next: URL, allowed: AllowedOrigins, first: URL): void {
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new CasterpakError(
      'FORBIDDEN_HOST',
      `${first.href}: ${next === first ? 'not' : 'redirected to'} an http(s) URL (${next.protocol}); refused`,
    );
  }
  if (allowed === 'any' || allowed.some((origin) => new URL(origin).origin === next.origin)) return;
  throw new CasterpakError(
    'FORBIDDEN_HOST',
    `${first.href}: ${next === first ? 'host' : 'redirect to'} ${next.host} is not allowed; refused`,
  );
}

// The one way casterpak GETs from an upstream. `consume` reads the body (bounded by the
// caller) inside the same time limit; every failure is one line: NOT_FOUND (404/410), UPSTREAM
// (other statuses, network), UPSTREAM_TIMEOUT, CANCELLED, FORBIDDEN_HOST.
export async function upstreamGet<T>(
  url: URL,
  options: UpstreamGetOptions,
  consume: (response: Response, finalUrl: URL) => Promise<T>,
): Promise<T> {
  const limit = deadline(options.timeoutMs, options.signal);
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  try {
    let current = url;
    checkOrigin(current, options.allowedOrigins, url);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': `casterpak/${VERSION}`, ...options.headers };
      if (options.accept) headers.accept = options.accept;
      const sent = options.sign ? options.sign(current, headers) : headers;
      const response = await fetch(current, { redirect: 'manual', signal: limit.signal, headers: sent });
      if (REDIRECT.has(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (!location) throw new CasterpakError('UPSTREAM', `${current.href}: redirect (${response.status}) without a Location`);
        if (hop >= maxRedirects) throw new CasterpakError('UPSTREAM', `${url.href}: more than ${maxRedirects} redirects`);
        current = new URL(location, current);
        checkOrigin(current, options.allowedOrigins, url);
        continue;
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        throw new CasterpakError('NOT_FOUND', `${current.href}: not found upstream (${response.status})`);
      }
      if (!(options.statuses ?? [200]).includes(response.status)) {
        const why = options.explain ? await options.explain(response).catch(() => null) : null;
        await response.body?.cancel().catch(() => undefined);
        throw new CasterpakError('UPSTREAM', `${current.href}: upstream answered ${response.status}${why ? ` (${why})` : ''}`);
      }
      return await consume(response, current);
    }
  } catch (error) {
    if (limit.timedOut())
      throw new CasterpakError('UPSTREAM_TIMEOUT', `${url.href}: no complete answer within ${options.timeoutMs} ms`, { cause: error });
    if (error instanceof CasterpakError) throw error;
    if (options.signal?.aborted) throw new CasterpakError('CANCELLED', `${url.href}: cancelled`, { cause: error });
    throw networkError(url, error);
  } finally {
    limit.done();
  }
}

// A network failure as one line (the cause's code, e.g. ECONNREFUSED, when there is one).
function networkError(url: URL, error: unknown): CasterpakError {
  if (error instanceof CasterpakError) return error;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (reason === 'ENOSPC') return new CasterpakError('NO_SPACE', `no space left while fetching ${url.href}`, { cause: error });
  return new CasterpakError('UPSTREAM', `${url.href}: cannot fetch (${reason})`, { cause: error });
}
