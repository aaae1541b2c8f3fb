// The body of a file response: bytes `start` to `end` of an open file written to the response
// and ended, within the process's response memory budget.
import { promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';

// A segment is read whole, in one read, and written in one write: Node's stream pipeline costs
// more than the copy itself (docs/benchmarks.md). Memory held by responses still being written
// (whole reads and the pieces of streamed ones) is bounded by serve.responseMemoryBytes: past it
// (slow clients), and for larger files, they are streamed through one piece per response, a
// smaller one once the budget is spent (docs/reliability.md, promise 10).
const WHOLE_READ_MAX_BYTES = 16 * 1024 * 1024;
const STREAM_CHUNK_BYTES = 64 * 1024;
const STREAM_CHUNK_MIN_BYTES = 16 * 1024;
let wholeReadBudget = 64 * 1024 * 1024;
let heldBytes = 0;

// Whole-read buffers are used again once their response is written: a new multi-megabyte
// buffer per request keeps the garbage collector busy, and with glibc's fixed mmap threshold
// (docs/reliability.md) maps and faults in fresh pages for every one (docs/benchmarks.md). Sizes
// are rounded up to whole MiB so segments of a rendition share them. Buffers in use and pooled
// together stay within the budget, so every client of a steady load finds its buffer again (a
// pool of half the budget left 16 clients of 3 MiB segments 20 % slower); an idle process gives
// the pool back (releaseWholeReadPool).
const MIB = 1024 * 1024;
const pool: Buffer[] = [];
let pooledBytes = 0;

// The process's budget (serve.responseMemoryBytes); set once when the origin is made.
export function setResponseMemory(bytes: number): void {
  wholeReadBudget = bytes;
  while (pooledBytes > wholeReadBudget) pooledBytes -= pool.pop()!.length;
}

// Once serve is quiet (http/idle-collection.ts): a pool kept through an idle hour is memory no
// request uses; the next burst's first reads allocate again.
export function releaseWholeReadPool(): void {
  pool.length = 0;
  pooledBytes = 0;
}

const pooledSize = (length: number): number => Math.ceil(length / MIB) * MIB;

function takeBuffer(length: number): Buffer {
  const size = pooledSize(length);
  const at = pool.findIndex((b) => b.length === size);
  if (at >= 0) {
    const [buffer] = pool.splice(at, 1);
    pooledBytes -= buffer.length;
    return buffer;
  }
  // None of this size: pooled ones of other sizes, oldest first, make room for a new one.
  while (pool.length > 0 && pooledBytes + heldBytes + size > wholeReadBudget) pooledBytes -= pool.shift()!.length;
  return Buffer.allocUnsafeSlow(size);
}

// Called while `buffer` still counts as held: kept while the pool and the buffers in use fit the budget.
function giveBack(buffer: Buffer): void {
  if (pooledBytes + heldBytes > wholeReadBudget) return;
  pool.push(buffer);
  pooledBytes += buffer.length;
}

const cutShort = () => Object.assign(new Error('file cut short while read'), { code: 'ENOENT' });

// The file is closed as soon as it is read: a client that reads slowly holds memory (within the
// budget), not a descriptor.
async function sendWhole(
  handle: fs.FileHandle,
  close: () => Promise<void>,
  res: ServerResponse,
  start: number,
  length: number,
): Promise<void> {
  const buffer = takeBuffer(length);
  heldBytes += buffer.length;
  try {
    for (let at = 0; at < length;) {
      const { bytesRead } = await handle.read(buffer, at, length - at, start + at);
      if (bytesRead === 0) throw cutShort();
      at += bytesRead;
    }
    await close();
    res.end(buffer.subarray(0, length));
    await finished(res);
    giveBack(buffer); // written: the socket holds no reference to it any more
  } finally {
    heldBytes -= buffer.length;
  }
}

const premature = () => Object.assign(new Error('client closed the connection'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

// Resolves once `piece` has been handed to the kernel (so it may be filled again), rejects (as a
// premature close) when the client left first.
function written(res: ServerResponse, piece: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed) return reject(premature());
    const close = () => reject(premature());
    res.once('close', close);
    res.write(piece, (error) => {
      res.off('close', close);
      if (error) reject(premature());
      else resolve();
    });
  });
}

/** Where a streamed response may open its file again: the same file only (same inode and size). */
interface FileIdentity {
  readonly file: string;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
}

async function reopen(identity: FileIdentity): Promise<fs.FileHandle> {
  const handle = await fs.open(identity.file, 'r');
  const stat = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (stat.dev === identity.dev && stat.ino === identity.ino && stat.size === identity.size) return handle;
  await handle.close();
  throw cutShort(); // replaced meanwhile: the rest would be another file's bytes
}

const nextTurn = () => new Promise<false>((resolve) => setImmediate(resolve, false));

// One piece per response, filled again once written: a response never holds more than it, and
// a burst of slow clients leaves no trail of pieces for the garbage collector. A piece the client
// does not take at once has its file closed while it waits (opened again, the same file, for the
// next piece): a stalled client holds a socket, not a file.
async function sendStreamed(
  handle: fs.FileHandle,
  close: () => Promise<void>,
  res: ServerResponse,
  start: number,
  end: number,
  identity?: FileIdentity,
): Promise<void> {
  const room = wholeReadBudget - heldBytes;
  const size = Math.min(end - start + 1, Math.max(STREAM_CHUNK_MIN_BYTES, Math.min(STREAM_CHUNK_BYTES, room)));
  const piece = Buffer.allocUnsafeSlow(size);
  heldBytes += size;
  let current: fs.FileHandle | null = handle;
  const release = async () => {
    const open = current;
    current = null;
    if (open) await (open === handle ? close() : open.close());
  };
  try {
    for (let at = start; at <= end;) {
      current ??= await reopen(identity!);
      const { bytesRead } = await current.read(piece, 0, Math.min(size, end - at + 1), at);
      if (bytesRead === 0) throw cutShort();
      at += bytesRead;
      const write = written(res, piece.subarray(0, bytesRead));
      if (identity && at <= end && !(await Promise.race([write.then(() => true), nextTurn()]))) await release();
      await write;
    }
    await release();
    res.end();
    await finished(res);
  } finally {
    heldBytes -= size;
    await release();
  }
}

// Bytes already in memory (a segment just made), counted as held until `release`; null when
// they do not fit beside what other responses hold (the file is then sent as any other).
export function holdWhole(length: number): (() => void) | null {
  if (heldBytes + length > wholeReadBudget) return null;
  heldBytes += length;
  let held = true;
  return () => {
    if (held) heldBytes -= length;
    held = false;
  };
}

// `close` closes the file (once); the caller closes it too, whatever happens here. With
// `identity`, a streamed response may close the file while its client is slow and open it again.
export function writeFileSpan(
  handle: fs.FileHandle,
  close: () => Promise<void>,
  res: ServerResponse,
  start: number,
  end: number,
  identity?: FileIdentity,
): Promise<void> {
  const length = end - start + 1;
  if (length <= WHOLE_READ_MAX_BYTES && heldBytes + pooledSize(length) <= wholeReadBudget)
    return sendWhole(handle, close, res, start, length);
  return sendStreamed(handle, close, res, start, end, identity);
}
