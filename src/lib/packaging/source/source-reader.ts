// Reads what segment-by-segment packaging needs of a source: its size and identity, its moov
// (top-level box headers first, then the moov in one read), and byte spans. Local files are read
// with positioned reads; a remote source through ranged GETs (packaging/remote-source.ts).
import { promises as fs } from 'node:fs';
import { CasterpakError } from '../../shared/errors.js';
import { sniffMp4, topLevelBoxEnd } from '../../formats/mp4/sniff.js';

export interface SourceIdentity {
  readonly size: number;
  /** mtime of a local file, or the validator of a remote one: a change invalidates the index. */
  readonly version: string;
  /** The file's mtime, or the upstream's Last-Modified; 0 when unknown (`.rendition.json`'s source). */
  readonly mtimeMs: number;
}

export interface SourceReader {
  readonly identity: SourceIdentity;
  /** Exactly `length` bytes at `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Bytes read so far (metrics: bytes read from sources per request). */
  readonly bytesRead: number;
  close(): Promise<void>;
}

const MAX_TOP_LEVEL_BOXES = 10_000;
const MAX_MOOV_BYTES = 512 * 1024 * 1024;

// A local file, opened once; a missing one is NOT_FOUND. Its version is its inode and
// mtime; for a downloaded copy in the source cache, whose mtime records access (prune), the
// inode alone (a new download is a new file renamed in).
export async function openLocalSource(file: string, name: string, options: { mtimeIsAccess?: boolean } = {}): Promise<SourceReader> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    throw new CasterpakError('NOT_FOUND', `${name}: no such file`);
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new CasterpakError('NOT_FOUND', `${name}: not a regular file`);
  }
  let bytesRead = 0;
  return {
    identity: {
      size: stat.size,
      version: options.mtimeIsAccess ? `ino ${stat.ino}` : `ino ${stat.ino} mtime ${Math.round(stat.mtimeMs)}`,
      mtimeMs: stat.mtimeMs,
    },
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, stat.size - offset)));
      let at = 0;
      while (at < buffer.length) {
        const { bytesRead: got } = await handle.read(buffer, at, buffer.length - at, offset + at);
        if (got === 0)
          throw new CasterpakError('BAD_MEDIA', `${name}: the file ended at ${offset + at} while reading (changed meanwhile?)`);
        at += got;
      }
      bytesRead += buffer.length;
      return buffer;
    },
    close: () => handle.close(),
  };
}

// Why: the moov, after a walk over every top-level box header that refuses a file cut off in
// the middle of a box (mp42hls would write half a rendition from it) or without a moov.
export async function readMoov(reader: SourceReader, name: string): Promise<{ moov: Uint8Array; offset: number }> {
  const { size } = reader.identity;
  if (size === 0) throw new CasterpakError('BAD_MEDIA', `${name}: empty file`);
  const first = await reader.read(0, Math.min(16, size));
  const why = sniffMp4(first);
  if (why) throw new CasterpakError('BAD_MEDIA', `${name}: not an MP4 (${why})`);
  let moov: { offset: number; size: number } | null = null;
  for (let offset = 0, boxes = 0; offset < size && boxes < MAX_TOP_LEVEL_BOXES; boxes++) {
    const head = offset === 0 ? first : await reader.read(offset, Math.min(16, size - offset));
    const end = topLevelBoxEnd(head, offset, size);
    if (typeof end === 'string')
      throw new CasterpakError('BAD_MEDIA', moov ? `${name}: ${end}` : `${name}: truncated or not an MP4 (no moov)`);
    if (moov === null && head.length >= 8 && String.fromCharCode(...head.subarray(4, 8)) === 'moov') moov = { offset, size: end - offset };
    offset = end;
  }
  if (moov === null) throw new CasterpakError('BAD_MEDIA', `${name}: truncated or not an MP4 (no moov)`);
  if (moov.size > MAX_MOOV_BYTES)
    throw new CasterpakError('BAD_MEDIA', `${name}: moov of ${moov.size} bytes is larger than casterpak reads`);
  return { moov: await reader.read(moov.offset, moov.size), offset: moov.offset };
}
