// Answers whose body is changed as it is sent, while the cache keeps the file as made: a
// playlist carrying a token (tokens/) or encryption tags (keys/), a segment encrypted with its
// rendition's key. Range and If-Range are taken from the request first, so the sender sends
// the stored file whole (a range of it would not be a range of the answer); only 200 answers
// are changed, and HEAD keeps the head's headers.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { decideRange } from './range.js';

const headersOf = (args: unknown[]) =>
  (args.find((arg) => typeof arg === 'object' && arg !== null && !Array.isArray(arg)) as OutgoingHttpHeaders | undefined) ?? {};
const callbackOf = (args: unknown[]) => args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
const bytesOf = (chunk: unknown): Buffer | null =>
  typeof chunk === 'string' || chunk instanceof Uint8Array ? Buffer.from(chunk as string) : null;

function dropRange(req: IncomingMessage): void {
  delete req.headers.range;
  delete req.headers['if-range'];
}

function setLength(res: ServerResponse, headers: OutgoingHttpHeaders, length: number): void {
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-length') delete headers[name];
  if (res.hasHeader('content-length')) res.removeHeader('content-length');
  headers['Content-Length'] = String(length);
}

// Holds the answer back until it is complete, then sends `transform(body)` with its length.
export function rewriteWholeBody(req: IncomingMessage, res: ServerResponse, transform: (body: string) => string): void {
  dropRange(req);
  const chunks: Buffer[] = [];
  let head: { status: number; headers: OutgoingHttpHeaders } | null = null;
  const [writeHead, end] = [res.writeHead.bind(res), res.end.bind(res)];
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    head = { status, headers: headersOf(rest) };
    return res;
  }) as ServerResponse['writeHead'];
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    const bytes = bytesOf(chunk);
    if (bytes) chunks.push(bytes);
    callbackOf(rest)?.();
    return true;
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    const bytes = bytesOf(chunk);
    if (bytes) chunks.push(bytes);
    const status = head?.status ?? res.statusCode;
    const headers = { ...(head?.headers ?? {}) };
    let body = Buffer.concat(chunks);
    if (status === 200 && req.method !== 'HEAD') {
      body = Buffer.from(transform(body.toString('utf8')), 'utf8');
      setLength(res, headers, body.length);
    }
    writeHead(status, headers);
    return end(req.method === 'HEAD' ? undefined : body, callbackOf([chunk, ...rest]));
  }) as ServerResponse['end'];
}

interface StreamTransform {
  /** The length of the changed body, from the original's. */
  length(original: number): number;
  /** Added inside the original's ETag: the changed body's validator. */
  readonly etagSuffix: string;
  update(chunk: Buffer): Buffer;
  final(): Buffer;
}

// Changes the body chunk by chunk as it is written, its length known from the head: a segment is
// never held whole for this, and the writer's back-pressure is the socket's. A Range is answered
// from the changed body (RFC 9110 §14): the whole body is changed and only the range written, as
// a trick-play player reads a key frame of an encrypted segment (keys/encrypt-playlist.ts). With
// If-Range the whole body is sent: the validator a client holds may be the unchanged body's.
export function rewriteStream(req: IncomingMessage, res: ServerResponse, transform: StreamTransform): void {
  const range = req.headers['if-range'] === undefined ? req.headers.range : undefined;
  dropRange(req);
  // Validators the client holds are the changed body's: compared as the original's (RFC 9110
  // §13.1), so a revalidation (nginx's proxy_cache_revalidate) gets its 304.
  const etag = (value: string) => value.replace(/"$/, `${transform.etagSuffix}"`);
  for (const name of ['if-none-match', 'if-match'] as const) {
    const value = req.headers[name];
    if (value !== undefined) req.headers[name] = value.split(`${transform.etagSuffix}"`).join('"');
  }
  const withEtag = (headers: OutgoingHttpHeaders) => {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'etag') headers[name] = etag(String(headers[name]));
    return headers;
  };
  const [writeHead, write, end] = [res.writeHead.bind(res), res.write.bind(res), res.end.bind(res)];
  let active = false;
  let [first, last, at] = [0, Infinity, 0]; // the bytes of the changed body to send; where it is
  const window = (bytes: Buffer) => {
    const from = at;
    at += bytes.length;
    return from >= first && at - 1 <= last ? bytes : bytes.subarray(Math.max(0, first - from), Math.max(0, last + 1 - from));
  };
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = withEtag({ ...headersOf(rest) });
    if (status !== 200) return writeHead(status, headers);
    const length = transform.length(Number(Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-length')?.[1]));
    const decision = decideRange(range, length);
    if (decision.kind === 'unsatisfiable') {
      setLength(res, headers, 0);
      [first, last] = [Infinity, -1];
      active = req.method !== 'HEAD';
      return writeHead(416, { ...headers, 'Content-Range': `bytes */${length}` });
    }
    if (decision.kind === 'partial') [first, last] = [decision.start, decision.end];
    setLength(res, headers, Math.min(last, length - 1) - first + 1);
    active = req.method !== 'HEAD';
    if (decision.kind === 'full') return writeHead(200, headers);
    return writeHead(206, { ...headers, 'Content-Range': `bytes ${first}-${last}/${length}` });
  }) as ServerResponse['writeHead'];
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    const bytes = bytesOf(chunk);
    if (!active || bytes === null) return write(chunk as Buffer, ...(rest as []));
    return write(window(transform.update(bytes)), callbackOf(rest));
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (!active) return end(chunk as Buffer, ...(rest as []));
    const bytes = bytesOf(chunk);
    const tail = Buffer.concat([bytes ? transform.update(bytes) : Buffer.alloc(0), transform.final()]);
    return end(window(tail), callbackOf([chunk, ...rest]));
  }) as ServerResponse['end'];
}
