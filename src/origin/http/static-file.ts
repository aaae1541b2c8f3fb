// Sends one file or generated body with an origin's HTTP behaviour, in pillarjs/send's order:
// validators → 412 → 304 → range (416 / 206) → Content-Length → HEAD ends → stream. The file is
// opened first and streamed from that descriptor, so a concurrent prune (unlink) cannot cut
// a response short.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { fileValidators, isNotModified, isPreconditionFailure, rangeStillValid, type Validators } from './conditional.js';
import { decideRange } from './range.js';
import type { SmallFileCache } from './small-files.js';

// Segments are read in 1 MiB chunks: a 3 MB segment in 3 reads and writes instead of 48 of
// the 64 KiB default (measured in docs/benchmarks.md).
const READ_CHUNK_BYTES = 1024 * 1024;

export interface SendOptions {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SendResult {
  readonly status: number;
  readonly bytes: number;
}

function writeHead(res: ServerResponse, status: number, options: SendOptions, validators: Validators, extra: Record<string, string | number>): void {
  res.writeHead(status, {
    ...options.headers,
    'Content-Type': options.contentType,
    'Cache-Control': options.cacheControl,
    ETag: validators.etag,
    'Last-Modified': validators.lastModified.toUTCString(),
    'Accept-Ranges': 'bytes',
    ...extra,
  });
}

type Body = { readonly size: number; slice(start: number, end: number): Promise<void> };

async function send(req: IncomingMessage, res: ServerResponse, options: SendOptions, validators: Validators, body: Body): Promise<SendResult> {
  if (isPreconditionFailure(req.headers, validators)) {
    res.writeHead(412, { ...options.headers, ETag: validators.etag, 'Last-Modified': validators.lastModified.toUTCString(), 'Cache-Control': options.cacheControl, 'Content-Length': 0 });
    res.end();
    return { status: 412, bytes: 0 };
  }
  if (isNotModified(req.headers, validators)) {
    res.writeHead(304, { ...options.headers, ETag: validators.etag, 'Last-Modified': validators.lastModified.toUTCString(), 'Cache-Control': options.cacheControl });
    res.end();
    return { status: 304, bytes: 0 };
  }
  const decision = rangeStillValid(req.headers['if-range'] as string | undefined, validators) ? decideRange(req.headers.range, body.size) : { kind: 'full' as const };
  if (decision.kind === 'unsatisfiable') {
    writeHead(res, 416, { ...options, contentType: 'text/plain; charset=utf-8' }, validators, { 'Content-Range': `bytes */${body.size}`, 'Content-Length': 0 });
    res.end();
    return { status: 416, bytes: 0 };
  }
  const [start, end, status] = decision.kind === 'partial' ? [decision.start, decision.end, 206] : [0, body.size - 1, 200];
  const length = body.size === 0 ? 0 : end - start + 1;
  writeHead(res, status, options, validators, {
    'Content-Length': length,
    ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${body.size}` } : {}),
  });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return { status, bytes: 0 };
  }
  await body.slice(start, end);
  return { status, bytes: length };
}

// Throws ENOENT (as an fs error) when the file is not there; the caller decides what that means.
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, options: SendOptions): Promise<SendResult> {
  const handle = await fs.open(file, 'r');
  try {
    const stat = await handle.stat();
    return await send(req, res, options, fileValidators(stat), {
      size: stat.size,
      slice: (start, end) => pipeline(handle.createReadStream({ start, end, autoClose: false, highWaterMark: READ_CHUNK_BYTES }), res),
    });
  } finally {
    await handle.close();
  }
}

// A small file from memory (small-files.ts): the same answers as sendFile, without opening it.
export async function sendSmallFile(req: IncomingMessage, res: ServerResponse, file: string, options: SendOptions, cache: SmallFileCache): Promise<SendResult> {
  const { body, stat } = await cache.read(file);
  return send(req, res, options, fileValidators(stat), {
    size: body.length,
    slice: async (start, end) => {
      res.end(body.subarray(start, end + 1));
    },
  });
}

// Generated playlists (masters): the ETag is a hash of the body.
export async function sendText(req: IncomingMessage, res: ServerResponse, text: string, options: SendOptions, lastModified = new Date()): Promise<SendResult> {
  const bytes = Buffer.from(text, 'utf8');
  const etag = `"${createHash('sha1').update(bytes).digest('base64url').slice(0, 27)}"`;
  return send(req, res, options, { etag, lastModified: new Date(Math.floor(lastModified.getTime() / 1000) * 1000) }, {
    size: bytes.length,
    slice: async (start, end) => {
      res.end(bytes.subarray(start, end + 1));
    },
  });
}
