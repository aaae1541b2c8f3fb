// Reads what segment-by-segment packaging needs of a source: its size and identity, its moov
// (top-level box headers first, then the moov in one read), and byte spans. Local files are read
// with positioned reads; a remote source through ranged GETs (remote-source.ts).
import { promises as fs } from 'node:fs';
import { CasterpakError } from '../../shared/errors.js';
import { Mp4FormatError } from '../../formats/mp4/errors.js';
import { locateMoov } from '../../formats/mp4/top-level.js';

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

// The moov, after the one walk over every top-level box header (formats/mp4/top-level.ts): a file
// cut off in the middle of a box, without a moov or with one too large is bad media.
export async function readMoov(reader: SourceReader, name: string): Promise<{ moov: Uint8Array; offset: number }> {
  let moov;
  try {
    moov = await locateMoov(reader.identity.size, (offset, length) => reader.read(offset, length));
  } catch (error) {
    if (error instanceof Mp4FormatError) throw new CasterpakError('BAD_MEDIA', `${name}: ${error.message}`, { cause: error });
    throw error;
  }
  return { moov: await reader.read(moov.offset, moov.size), offset: moov.offset };
}
