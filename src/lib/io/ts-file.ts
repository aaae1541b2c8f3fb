// Checks the MPEG-TS framing of segment files (see ../ts/sync-check.ts), reading each through
// one caller-owned buffer: verifying a 10-minute rendition reads ~100 MB, and one fresh buffer
// per segment (fs.readFile) doubled the time that took, mostly in allocation and GC.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TS_PACKET_SIZE, tsSyncError } from '../ts/sync-check.js';

// A reusable read buffer: a whole number of packets, so every chunk starts on a packet boundary.
export function tsReadBuffer(packets = 8192): Buffer {
  return Buffer.allocUnsafe(packets * TS_PACKET_SIZE);
}

// The file's size and null when it is framed MPEG-TS, else the reason (as tsFramingError words it).
export async function tsFileError(file: string, buffer: Buffer): Promise<{ size: number; error: string | null }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return { size, error: 'empty file' };
    if (size % TS_PACKET_SIZE !== 0) return { size, error: `size ${size} is not a multiple of ${TS_PACKET_SIZE}` };
    let position = 0;
    while (position < size) {
      let filled = 0; // fill the whole buffer (reads may come back short) so chunks stay packet-aligned
      while (filled < buffer.length && position + filled < size) {
        const { bytesRead } = await handle.read(buffer, filled, Math.min(buffer.length - filled, size - position - filled), position + filled);
        if (bytesRead === 0) return { size, error: `file ended at ${position + filled} of ${size} bytes` };
        filled += bytesRead;
      }
      const error = tsSyncError(buffer.subarray(0, filled), position);
      if (error) return { size, error };
      position += filled;
    }
    return { size, error: null };
  } finally {
    await handle.close();
  }
}

interface EarlyCheck {
  readonly size: number;
  readonly mtimeMs: number;
  readonly error: string | null;
}

// Checks a tool's segments while it is still writing them, so little checking is left once it
// exits: segment N is done when segment N+1 exists (mp42hls writes them one after the other).
// Each result is kept with the file's size and mtime as they were before it was read, and
// `checked()` hands it out only for a file still the same, so a file that changed is read again.
export class EarlySegmentCheck {
  private readonly results = new Map<string, EarlyCheck>();
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly dir: string,
    private readonly segmentFile: (index: number) => string, // mp42hls numbers from 0
    pollMs = 20,
  ) {
    this.loop = this.watch(pollMs);
  }

  private async watch(pollMs: number): Promise<void> {
    const buffer = tsReadBuffer();
    let next = 0;
    const exists = (index: number) => fs.access(path.join(this.dir, this.segmentFile(index))).then(() => true, () => false);
    while (!this.stopped) {
      while (!this.stopped && (await exists(next + 1))) {
        const file = path.join(this.dir, this.segmentFile(next));
        const before = await fs.stat(file).catch(() => null);
        const result = before && (await tsFileError(file, buffer).catch(() => null));
        if (before && result && result.size === before.size) this.results.set(file, { size: before.size, mtimeMs: before.mtimeMs, error: result.error });
        next++;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  // Stops watching; call it once the tool has exited (or failed).
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  // The early check of `file`, if the file has not changed since; null: check it now.
  async checked(file: string): Promise<{ size: number; error: string | null } | null> {
    const early = this.results.get(file);
    if (!early) return null;
    const now = await fs.stat(file).catch(() => null);
    return now && now.size === early.size && now.mtimeMs === early.mtimeMs ? { size: early.size, error: early.error } : null;
  }
}
