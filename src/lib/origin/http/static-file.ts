// Sends one file or generated body with an origin's HTTP behaviour, in pillarjs/send's order:
// validators → 412 → 304 → range (416 / 206) → Content-Length → HEAD ends → stream. The file is
// opened first and streamed from that descriptor, so a concurrent prune (unlink) cannot cut
// a response short.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished, pipeline } from 'node:stream/promises';
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

// A segment is read whole, in one read, and written in one write: Node's stream pipeline costs
// more than the copy itself (docs/benchmarks.md). Memory held by responses still being written
// is bounded: past the budget (slow clients), and for larger files, they are streamed.
const WHOLE_READ_MAX_BYTES = 16 * 1024 * 1024;
const WHOLE_READ_BUDGET_BYTES = 256 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
let wholeReadBytes = 0;

// Whole-read buffers are used again once their response is written: a new multi-megabyte
// buffer per request keeps the garbage collector busy (measured in docs/benchmarks.md).
// Sizes are rounded up to whole MiB so segments of a rendition share them.
const POOL_MAX_BYTES = 64 * 1024 * 1024;
const MIB = 1024 * 1024;
const pool: Buffer[] = [];
let pooledBytes = 0;

function takeBuffer(length: number): Buffer {
  const size = Math.ceil(length / MIB) * MIB;
  const at = pool.findIndex((b) => b.length === size);
  if (at < 0) return Buffer.allocUnsafeSlow(size);
  const [buffer] = pool.splice(at, 1);
  pooledBytes -= buffer.length;
  return buffer;
}

function giveBack(buffer: Buffer): void {
  if (pooledBytes + buffer.length > POOL_MAX_BYTES) return;
  pool.push(buffer);
  pooledBytes += buffer.length;
}

async function sendWhole(handle: fs.FileHandle, res: ServerResponse, start: number, length: number): Promise<void> {
  wholeReadBytes += length;
  const buffer = takeBuffer(length);
  try {
    for (let at = 0; at < length;) {
      const { bytesRead } = await handle.read(buffer, at, length - at, start + at);
      if (bytesRead === 0) throw Object.assign(new Error('file cut short while read'), { code: 'ENOENT' });
      at += bytesRead;
    }
    res.end(buffer.subarray(0, length));
    await finished(res);
    giveBack(buffer); // written: the socket holds no reference to it any more
  } finally {
    wholeReadBytes -= length;
  }
}

export interface SendOptions {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly headers?: Readonly<Record<string, string>>;
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
  try {
    const stat = await handle.stat();
    return await send(req, res, options, fileValidators(stat), {
      size: stat.size,
      slice: (start, end) => {
        const length = end - start + 1;
        if (length <= WHOLE_READ_MAX_BYTES && wholeReadBytes + length <= WHOLE_READ_BUDGET_BYTES)
          return sendWhole(handle, res, start, length);
        return pipeline(handle.createReadStream({ start, end, autoClose: false, highWaterMark: READ_CHUNK_BYTES }), res);
      },
    });
  } finally {
    await handle.close();
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
export async function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  text: string,
  options: SendOptions,
  lastModified = new Date(),
): Promise<SendResult> {
  const bytes = Buffer.from(text, 'utf8');
  const etag = `"${createHash('sha1').update(bytes).digest('base64url').slice(0, 27)}"`;
  return send(req, res, options, bodyValidators(etag, lastModified), {
    size: bytes.length,
    slice: (start, end) => void res.end(bytes.subarray(start, end + 1)),
  });
}
