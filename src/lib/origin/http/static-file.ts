// Sends one file or generated body with an origin's HTTP behaviour, in pillarjs/send's order:
// validators → 412 → 304 → range (416 / 206) → Content-Length → HEAD ends → stream. The file is
// opened first and streamed from that descriptor, so a concurrent prune (unlink) cannot cut
// a response short.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import {
  fileValidators,
  isNotModified,
  isPreconditionFailure,
  rangeStillValid,
  validators as bodyValidators,
  type Validators,
} from './conditional.js';
import { decideRange } from './range.js';
import type { SmallFile, SmallFileCache } from './small-files.js';
import { withCommonHeaders } from './response-headers.js';
import { holdWhole, writeFileSpan } from './file-body.js';
import type { CacheStatus } from '../../packaging/store/single-run.js';

interface SendOptions {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** sendFile: true when a file of this size cannot be whole (it is then not sent: DamagedFileError). */
  readonly damaged?: (size: number) => boolean;
}

// A cached file whose size shows it was cut short or emptied; the caller makes it again.
export class DamagedFileError extends Error {
  constructor(
    readonly file: string,
    readonly size: number,
  ) {
    super(`${file}: ${size} bytes, not a whole file`);
  }
}

export interface SendResult {
  readonly status: number;
  readonly bytes: number;
}

// One object literal, no spreads: this runs for every response of the warm path.
function writeHead(
  res: ServerResponse,
  status: number,
  options: SendOptions,
  validators: Validators,
  length: number,
  range?: string,
): void {
  const headers: Record<string, string | number> = {
    'Content-Type': options.contentType,
    'Cache-Control': options.cacheControl,
    ETag: validators.etag,
    'Last-Modified': validators.lastModifiedText,
    'Accept-Ranges': 'bytes',
    'Content-Length': length,
  };
  if (range !== undefined) headers['Content-Range'] = range;
  if (options.headers) for (const name in options.headers) headers[name] = options.headers[name];
  res.writeHead(status, withCommonHeaders(res, headers));
}

// A body's bytes from `start` to `end` (inclusive) written to the response and ended: at once
// for a body in memory, streamed for a file.
type Body = { readonly size: number; slice(start: number, end: number): Promise<void> | void };

// Answers synchronously when the body is in memory (the warm path of playlists and masters).
function send(
  req: IncomingMessage,
  res: ServerResponse,
  options: SendOptions,
  validators: Validators,
  body: Body,
): SendResult | Promise<SendResult> {
  const headers = req.headers;
  if ((headers['if-match'] !== undefined || headers['if-unmodified-since'] !== undefined) && isPreconditionFailure(headers, validators)) {
    res.writeHead(
      412,
      withCommonHeaders(res, {
        ...options.headers,
        ETag: validators.etag,
        'Last-Modified': validators.lastModifiedText,
        'Cache-Control': options.cacheControl,
        'Content-Length': 0,
      }),
    );
    res.end();
    return { status: 412, bytes: 0 };
  }
  if ((headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) && isNotModified(headers, validators)) {
    res.writeHead(
      304,
      withCommonHeaders(res, {
        ...options.headers,
        ETag: validators.etag,
        'Last-Modified': validators.lastModifiedText,
        'Cache-Control': options.cacheControl,
      }),
    );
    res.end();
    return { status: 304, bytes: 0 };
  }
  const decision =
    headers.range === undefined
      ? FULL
      : rangeStillValid(headers['if-range'] as string | undefined, validators)
        ? decideRange(headers.range, body.size)
        : FULL;
  if (decision.kind === 'unsatisfiable') {
    writeHead(res, 416, { ...options, contentType: 'text/plain; charset=utf-8' }, validators, 0, `bytes */${body.size}`);
    res.end();
    return { status: 416, bytes: 0 };
  }
  const [start, end, status] = decision.kind === 'partial' ? [decision.start, decision.end, 206] : [0, body.size - 1, 200];
  const length = body.size === 0 ? 0 : end - start + 1;
  writeHead(res, status, options, validators, length, status === 206 ? `bytes ${start}-${end}/${body.size}` : undefined);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return { status, bytes: 0 };
  }
  const sent = { status, bytes: length };
  const written = body.slice(start, end);
  return written ? written.then(() => sent) : sent;
}

const FULL = { kind: 'full' as const };

// Throws ENOENT (as an fs error) when the file is not there; the caller decides what that means.
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, options: SendOptions): Promise<SendResult> {
  const handle = await fs.open(file, 'r');
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= handle.close());
  try {
    const stat = await handle.stat();
    if (options.damaged?.(stat.size)) throw new DamagedFileError(file, stat.size);
    return await send(req, res, options, fileValidators(stat), {
      size: stat.size,
      slice: (start, end) => writeFileSpan(handle, close, res, start, end, { file, dev: stat.dev, ino: stat.ino, size: stat.size }),
    });
  } finally {
    await close();
  }
}

// A small file from memory (small-files.ts): the same answers as sendFile, without opening it;
// synchronous when the cache has it fresh.
export function sendSmallFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  options: SendOptions,
  cache: SmallFileCache,
): SendResult | Promise<SendResult> {
  const fresh = cache.fresh(file);
  return fresh ? sendMemory(req, res, fresh, options) : cache.read(file).then((entry) => sendMemory(req, res, entry, options));
}

// A file held in memory, answered at once.
export function sendMemory(req: IncomingMessage, res: ServerResponse, { body, validators }: SmallFile, options: SendOptions): SendResult {
  return send(req, res, options, validators, {
    size: body.length,
    slice: (start, end) => void res.end(body.subarray(start, end + 1)),
  }) as SendResult;
}

// Generated playlists (masters): the ETag is a hash of the body.
export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  text: string,
  options: SendOptions,
  lastModified = new Date(),
): Promise<SendResult> {
  return sendBytes(req, res, Buffer.from(text, 'utf8'), options, lastModified);
}

// Bytes made for this answer and not read from a file (a segment made while its rendition is,
// packaging/store/first-segments.ts): the ETag is a hash of them.
export async function sendBytes(
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Uint8Array,
  options: SendOptions,
  lastModified = new Date(),
): Promise<SendResult> {
  const etag = `"${createHash('sha1').update(bytes).digest('base64url').slice(0, 27)}"`;
  return send(req, res, options, bodyValidators(etag, lastModified), {
    size: bytes.length,
    slice: (start, end) => void res.end(bytes.subarray(start, end + 1)),
  });
}

// A file being written, answered from its bytes with the validators a read of the committed file
// will give (from the stat `made` carries, taken when it was created), within the response memory
// budget. Null when the budget is spent, or when the file system keeps no birth time (its
// validators would then come from the ctime, which the write moves): the caller answers otherwise.
export async function sendMadeFile(
  req: IncomingMessage,
  res: ServerResponse,
  made: { readonly bytes: Uint8Array; readonly stat: Parameters<typeof fileValidators>[0] },
  options: SendOptions,
): Promise<SendResult | null> {
  const release = made.stat.birthtimeMs > 0 ? holdWhole(made.bytes.length) : null;
  if (!release) return null;
  try {
    return await send(req, res, options, fileValidators(made.stat), {
      size: made.bytes.length,
      slice: async (start, end) => {
        res.end(made.bytes.subarray(start, end + 1));
        await finished(res);
      },
    });
  } finally {
    release();
  }
}

// A file of a rendition's directory: sent from disk at once when its directory is known and the
// file is there (the warm path asks the store nothing), else made by the store and sent with the
// store's cache status.
export async function sendCachedOrMade(
  file: string | null,
  send: (file: string, cache: CacheStatus) => SendResult | Promise<SendResult>,
  make: () => Promise<{ file: string; status: CacheStatus }>,
): Promise<SendResult & { cache: CacheStatus; file: string }> {
  if (file !== null) {
    try {
      return { ...(await send(file, 'HIT')), cache: 'HIT', file };
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code !== 'ENOENT') throw error;
    }
  }
  const made = await make();
  return { ...(await send(made.file, made.status)), cache: made.status, file: made.file };
}
