// Durable writes: a file readers see whole or not at all (temporary file in the same directory,
// flushed, renamed over the target), and the directory fsync that makes a rename itself durable.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { atomicTempName } from './names.js';
import { writeAll } from '../shared/file-io.js';

// `durable: false` skips the flush, for files that can be made again byte for byte (segments).
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { durable?: boolean } = {}): Promise<void> {
  const temp = path.join(path.dirname(file), atomicTempName(path.basename(file), process.pid, randomBytes(4).toString('hex')));
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await writeAll(handle, typeof data === 'string' ? Buffer.from(data) : data);
      if (options.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // some file systems refuse fsync on directories; the rename is still atomic
  } finally {
    await handle.close();
  }
}
