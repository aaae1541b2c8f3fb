// Durable writes: a file readers see whole or not at all (temporary file in the same directory,
// flushed, renamed over the target), and a flushed file for a directory no reader sees yet.
//
// A committed rendition's directory is not flushed before or after its rename: the cache needs a
// commit to be atomic and never to leave a damaged file after a power cut, not to outlive one.
// A journaling file system (ext4, XFS) replays the creates and the rename in their order, so a
// lost commit is a rendition made again on its next request (the same bytes); the one file whose
// loss would be served as it is, the media playlist, is flushed before the rename
// (docs/benchmarks.md, "Cold path, fifth round": the directory flushes were two journal commits
// per cold playlist).
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { atomicTempName } from './names.js';
import { writeAll } from '../shared/file-io.js';

interface WriteOptions {
  /** false: no flush (a file that can be made again byte for byte). */
  readonly durable?: boolean;
  /** Called once the file is created, before its bytes are written: its stat then. */
  readonly created?: (stat: Stats) => void;
}

// A new file, written and (unless `durable: false`) flushed before it is closed.
export async function writeFileFlushed(file: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    if (options.created) options.created(await handle.stat());
    await writeAll(handle, typeof data === 'string' ? Buffer.from(data) : data);
    if (options.durable !== false) await handle.sync();
  } finally {
    await handle.close();
  }
}

// `durable: false` skips the flush, for files that can be made again byte for byte (segments).
// `created` sees the temporary file, which the rename keeps (the same inode and birth time).
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
  const temp = path.join(path.dirname(file), atomicTempName(path.basename(file), process.pid, randomBytes(4).toString('hex')));
  try {
    await writeFileFlushed(temp, data, options);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
