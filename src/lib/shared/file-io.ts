// Files read and written in as few system calls as they allow: a segment's megabytes in one read,
// an extract's pieces in one writev, where fs.readFile and fs.writeFile take several steps.
import { promises as fs } from 'node:fs';

// A whole file in one unpooled buffer: its size once, then one read (fs.readFile reads in 512 KiB
// steps, each a thread-pool round trip, which costs more than checking a segment).
export async function readWhole(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (!(size > 0)) return await handle.readFile(); // empty, or a special file without a size
    const buffer = Buffer.allocUnsafeSlow(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? buffer : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

// A file of `pieces` in one writev (or a few, past the system's limit of pieces per call).
export async function writePieces(file: string, pieces: readonly Uint8Array[]): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    for (let at = 0; at < pieces.length; at += WRITEV_PIECES) {
      const part = pieces.slice(at, at + WRITEV_PIECES);
      const want = part.reduce((n, p) => n + p.length, 0);
      const { bytesWritten } = await handle.writev(part);
      if (bytesWritten < want) await writeAll(handle, Buffer.concat(part).subarray(bytesWritten)); // a short write: the rest
    }
  } finally {
    await handle.close();
  }
}
const WRITEV_PIECES = 1024; // IOV_MAX on Linux

// One unlink, a file already gone being no error (fs.rm with force stats first: a round trip more).
export async function unlinkIfThere(file: string): Promise<void> {
  await fs.unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

// `bytes` at the file's position in one write (FileHandle.writeFile writes 512 KiB at a time, a
// thread-pool round trip each), more only when the system writes less.
export async function writeAll(handle: fs.FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
    if (bytesWritten === 0) throw Object.assign(new Error('no byte written'), { code: 'EIO' });
    at += bytesWritten;
  }
}
