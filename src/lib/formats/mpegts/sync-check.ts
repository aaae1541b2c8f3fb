// MPEG-TS framing check (ISO/IEC 13818-1 §2.4.3.2): 188-byte packets, each starting with the
// sync byte 0x47. Used to verify Bento4's output before it is published.
import { TS_PACKET_SIZE, TS_SYNC_BYTE } from './packet.js';

// Returns null when every packet is framed, else a one-line reason with the byte offset.
export function tsFramingError(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'empty file';
  if (bytes.length % TS_PACKET_SIZE !== 0) return `size ${bytes.length} is not a multiple of ${TS_PACKET_SIZE}`;
  return tsSyncError(bytes);
}

// The sync-byte half of the check, for a file read in chunks: `bytes` starts on a packet
// boundary at `baseOffset` of the file, which the reason's offset counts from.
export function tsSyncError(bytes: Uint8Array, baseOffset = 0): string | null {
  for (let offset = 0; offset < bytes.length; offset += TS_PACKET_SIZE) {
    if (bytes[offset] !== TS_SYNC_BYTE) return `no sync byte at offset ${baseOffset + offset}`;
  }
  return null;
}
