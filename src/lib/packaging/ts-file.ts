// Checks the MPEG-TS framing of segment files (see formats/mpegts/sync-check.ts), reading each through
// one caller-owned buffer: verifying a 10-minute rendition reads ~100 MB, and one fresh buffer
// per segment (fs.readFile) doubled the time that took, mostly in allocation and GC. Also the
// one normalisation of a segment's bytes, shared by segments made alone and whole-file runs.
import { promises as fs } from 'node:fs';
import { CasterpakError } from '../shared/errors.js';
import { normaliseContinuity } from '../formats/mpegts/continuity.js';
import { TS_PACKET_SIZE } from '../formats/mpegts/packet.js';
import { tsSyncError } from '../formats/mpegts/sync-check.js';

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
        const { bytesRead } = await handle.read(
          buffer,
          filled,
          Math.min(buffer.length - filled, size - position - filled),
          position + filled,
        );
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

// MPEG-TS that the normalisation cannot read is mp42hls output that does not check out.
export function asToolError<T>(name: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new CasterpakError('TOOL', `mp42hls wrote an invalid ${name}: ${(error as Error).message}`, { cause: error });
  }
}

// One definition of a segment's bytes, for segments made alone and by whole-file runs:
// counters as formats/mpegts/continuity.ts sets them for segment `segmentNumber` (1-based; the
// counters start from its 0-based position). `owned`: `ts` is the caller's alone, its whole
// buffer too (packageExtract's output, read with NORMALISE_ROOM after it), so it is rewritten in
// place; never a slice of Node's shared Buffer pool, whose room belongs to other buffers.
export function normaliseSegment(ts: Uint8Array, segmentNumber: number, name: string, owned = false): Uint8Array {
  return asToolError(name, () => normaliseContinuity(ts, segmentNumber - 1, owned));
}

// The room normalisation needs after a segment's packets to work in place: at most 15 packets
// for each of its elementary streams (mp42hls writes one video and one audio), with some to spare.
export const NORMALISE_ROOM = 64 * TS_PACKET_SIZE;
