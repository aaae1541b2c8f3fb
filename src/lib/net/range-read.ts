// Byte ranges of a remote MP4 (RFC 9110 §14): one segment is packaged from a few ranges of the
// source, not the whole file. Each read is one upstreamGet (allowed origins, a time limit per
// attempt, typed errors); transient failures are retried a bounded number of times.
import { setTimeout as sleep } from 'node:timers/promises';
import { CasterpakError } from '../shared/errors.js';
import { readBounded } from './bounded-body.js';
import { upstreamGet, type AllowedOrigins, type UpstreamGetOptions } from './http-get.js';

// One set of options for all reads; a call lasts at most (retries + 1) × timeoutMs + pauses.
export interface RangeReadOptions {
  readonly timeoutMs: number;
  readonly allowedOrigins: AllowedOrigins;
  readonly signal?: AbortSignal;
  /** Total size the caller indexed; a different total is a SourceChangedError. */ readonly expectedSize?: number;
  /** @default 2 (at most MAX_RETRIES) */ readonly retries?: number;
  /** Pause before the first retry, doubled each time (at most MAX_RETRY_DELAY_MS). @default 100 */ readonly retryDelayMs?: number;
  /** Called with the body bytes received from the upstream, as they arrive. */ readonly onBytes?: (n: number) => void;
  /** The version the caller indexed: sent as If-Match when strong; a 412 or another ETag is a SourceChangedError. */
  readonly expectedEtag?: string | null;
  readonly sign?: UpstreamGetOptions['sign'];
  readonly explain?: UpstreamGetOptions['explain'];
}

// A server may ignore Range (RFC 9110 §14.2) and answer 200; the caller then decides.
type RangeResult =
  | { readonly kind: 'range'; readonly bytes: Uint8Array; /** complete length */ readonly size: number }
  | { readonly kind: 'ignored'; readonly size: number | null };

// What a cache needs to know about a remote file before asking for ranges of it.
interface RemoteHead {
  readonly size: number;
  readonly rangeSupported: boolean;
  readonly etag: string | null;
  readonly lastModified: string | null;
}

// The size of the source is not what the caller indexed; its index must be dropped.
export class SourceChangedError extends CasterpakError {
  constructor(
    url: URL,
    readonly size: number,
    readonly expected: number,
    what = `size ${size}, expected ${expected}`,
  ) {
    super('UPSTREAM', `${url.href}: source changed upstream (${what})`);
  }
}

// RFC 9110 §13.1.1: If-Match compares strongly, so a weak validator would never match.
const strong = (etag: string | null | undefined): etag is string => typeof etag === 'string' && etag.startsWith('"');

// The caller must tell a changed source apart from other upstream failures.
export const isSourceChanged = (error: unknown): error is SourceChangedError => error instanceof SourceChangedError;

// The server answers Range with the whole file; the caller falls back to downloading it.
export class RangeNotSupportedError extends CasterpakError {
  constructor(url: URL) {
    super('UPSTREAM', `${url.href}: the server ignores Range requests`);
  }
}

// Bounds on retries: a call lasts at most (MAX_RETRIES + 1) × timeoutMs + the pauses.
const MAX_RETRIES = 5;
const MAX_RETRY_DELAY_MS = 2_000;

/** A failure worth another attempt (408, 429, 5xx, a short body). */
class TransientError extends CasterpakError {}

const RETRY_STATUSES = [408, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)];
const STATUSES = [200, 206, 412, 416, ...RETRY_STATUSES];
type Attempt = (RangeResult | { readonly kind: 'unsatisfiable'; readonly size: number | null }) & { readonly headers: Headers };

// RFC 9110 §14.4: Content-Range = "bytes" SP ( first "-" last "/" ( complete-length / "*" ) /
// "*/" complete-length ); units are case-insensitive (§14.1); numbers past 2^53 are refused.
const CONTENT_RANGE = /^bytes +(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i;
function parseContentRange(value: string | null): { first: number | null; last: number | null; size: number | null } | null {
  const match = value === null ? null : CONTENT_RANGE.exec(value.trim());
  if (!match) return null;
  const num = (digits: string | undefined) => (digits === undefined || digits === '*' ? null : Number(digits));
  const [first, last, size] = [num(match[1]), num(match[2]), num(match[3])];
  return [first, last, size].every((n) => n === null || Number.isSafeInteger(n)) ? { first, last, size } : null;
}

const cancel = (response: Response) => response.body?.cancel().catch(() => undefined);
const refuse = async (response: Response, error: CasterpakError): Promise<never> => {
  await cancel(response);
  throw error;
};

function changed(url: URL, size: number | null, expected: number | undefined): SourceChangedError | null {
  return size !== null && expected !== undefined && size !== expected ? new SourceChangedError(url, size, expected) : null;
}

function counted(response: Response, onBytes: ((n: number) => void) | undefined): Response {
  if (!onBytes || !response.body) return response;
  const count = new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, out) => (onBytes(chunk.byteLength), out.enqueue(chunk)) });
  return new Response(response.body.pipeThrough(count), { status: response.status, headers: response.headers });
}

// One GET of bytes [start, end). `accept-encoding: identity` keeps offsets in the stored bytes:
// ranges of a content-coded answer would be ranges of the coding (RFC 9110 §8.4, §14.1.2).
function attemptRange(url: URL, start: number, end: number, options: RangeReadOptions): Promise<Attempt> {
  const pinned = options.expectedEtag;
  const headers = { range: `bytes=${start}-${end - 1}`, 'accept-encoding': 'identity', ...(strong(pinned) ? { 'if-match': pinned } : {}) };
  const request = {
    timeoutMs: options.timeoutMs,
    allowedOrigins: options.allowedOrigins,
    signal: options.signal,
    headers,
    statuses: STATUSES,
    sign: options.sign,
    explain: options.explain,
  };
  return upstreamGet(url, request, async (response, at): Promise<Attempt> => {
    const { status, headers } = response;
    if (RETRY_STATUSES.includes(status)) return refuse(response, new TransientError('UPSTREAM', `${at.href}: upstream answered ${status}`));
    const etag = headers.get('etag');
    if (status === 412 || (status === 206 && strong(pinned) && etag !== null && etag !== pinned))
      return refuse(response, new SourceChangedError(url, -1, options.expectedSize ?? -1, `ETag ${etag ?? '?'}, expected ${pinned}`));
    const range = parseContentRange(headers.get('content-range'));
    if (status === 200 || status === 416) {
      // 200: Range ignored (§14.2), the body (the whole file) is left unread; 416: the range
      // starts past the end (§15.5.17), and `bytes */complete-length` gives the size.
      await cancel(response);
      const declared = headers.get('content-length');
      const size =
        status === 416
          ? range?.first === null
            ? range.size
            : null
          : declared !== null && /^\d+$/.test(declared)
            ? Number(declared)
            : null;
      const error = changed(url, size, options.expectedSize);
      if (error) throw error;
      return { kind: status === 200 ? 'ignored' : 'unsatisfiable', size, headers };
    }
    // §15.3.7 206: exactly the asked range, clamped to the complete length, and nothing else.
    if (range === null || range.first === null || range.last === null || range.size === null) {
      return refuse(
        response,
        new CasterpakError('UPSTREAM', `${at.href}: 206 without a usable Content-Range (${headers.get('content-range')})`),
      );
    }
    const last = Math.min(end, range.size) - 1;
    const coding = headers.get('content-encoding') ?? 'identity';
    const problem =
      changed(url, range.size, options.expectedSize) ??
      (range.first !== start || range.last !== last
        ? new CasterpakError('UPSTREAM', `${at.href}: asked bytes ${start}-${end - 1}, got ${range.first}-${range.last}/${range.size}`)
        : null) ??
      (coding.toLowerCase() !== 'identity' ? new CasterpakError('UPSTREAM', `${at.href}: range sent with content-coding ${coding}`) : null);
    if (problem) return refuse(response, problem);
    const want = last - start + 1;
    const bytes = await readBounded(counted(response, options.onBytes), at, end - start);
    if (bytes.length < want)
      throw new TransientError('UPSTREAM', `${at.href}: short read (${bytes.length} of ${want} bytes of ${start}-${last})`);
    if (bytes.length > want)
      throw new CasterpakError('UPSTREAM', `${at.href}: body longer than its Content-Range (${bytes.length} > ${want} bytes)`);
    return { kind: 'range', bytes, size: range.size, headers };
  });
}

// Transient: 408/429/5xx, a short body, one attempt's timeout, a network failure (upstreamGet
// keeps the fetch error as the cause). Not: 404, 403, FORBIDDEN_HOST, 416, a changed source.
function isTransient(error: unknown): boolean {
  if (error instanceof TransientError || (error instanceof CasterpakError && error.code === 'UPSTREAM_TIMEOUT')) return true;
  return (
    error instanceof CasterpakError && error.code === 'UPSTREAM' && error.cause !== undefined && !(error.cause instanceof CasterpakError)
  );
}

const pause = (ms: number, url: URL, signal: AbortSignal | undefined): Promise<void> =>
  sleep(ms, undefined, { signal }).catch((error: unknown) => {
    throw new CasterpakError('CANCELLED', `${url.href}: cancelled`, { cause: error });
  });

async function withRetries(url: URL, start: number, end: number, options: RangeReadOptions): Promise<Attempt> {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start)
    throw new RangeError(`bad byte range [${start}, ${end})`);
  const retries = Math.max(0, Math.min(options.retries ?? 2, MAX_RETRIES));
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptRange(url, start, end, options);
    } catch (error) {
      if (!isTransient(error) || (attempt === 0 && retries === 0)) throw error;
      const last = error as CasterpakError;
      if (attempt >= retries) throw new CasterpakError(last.code, `${last.message} (${attempt + 1} attempts)`, { cause: error });
      await pause(Math.min((options.retryDelayMs ?? 100) * 2 ** attempt, MAX_RETRY_DELAY_MS), url, options.signal);
    }
  }
}

// Bytes [start, end) of a remote file (end exclusive), or word that the server ignored Range.
export async function readRange(url: URL, start: number, end: number, options: RangeReadOptions): Promise<RangeResult> {
  const got = await withRetries(url, start, end, options);
  if (got.kind === 'range') return { kind: 'range', bytes: got.bytes, size: got.size };
  if (got.kind === 'ignored') return { kind: 'ignored', size: got.size };
  throw new CasterpakError(
    'UPSTREAM',
    `${url.href}: bytes ${start}-${end - 1} are beyond the end of the source (${got.size ?? '?'} bytes)`,
  );
}

// Size, validators and Range support of a remote file from one `bytes=0-0` GET (§14.2).
export async function readHead(url: URL, options: RangeReadOptions): Promise<RemoteHead> {
  const got = await withRetries(url, 0, 1, options);
  const validators = { etag: got.headers.get('etag'), lastModified: got.headers.get('last-modified') };
  if (got.kind === 'range') return { size: got.size, rangeSupported: true, ...validators };
  if (got.kind === 'unsatisfiable' && got.size === 0) return { size: 0, rangeSupported: true, ...validators };
  if (got.kind === 'ignored' && got.size !== null) return { size: got.size, rangeSupported: false, ...validators };
  throw new CasterpakError('UPSTREAM', `${url.href}: the upstream gave no size for the source`);
}
