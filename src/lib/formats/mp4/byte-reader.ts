// Bounds-checked big-endian reads (ISO/IEC 14496-12 stores every integer big-endian).
// Every read checks its range against the array so a hostile size can never read past it.
import { Mp4FormatError } from './errors.js';

// One place that turns "would read out of bounds" into an Mp4FormatError.
export function need(bytes: Uint8Array, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new Mp4FormatError(`${what}: needs ${length} bytes at ${offset}, only ${bytes.length} available`);
  }
}

// DataView gives big-endian reads without copying.
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// 8-bit fields: versions, profile and level bytes.
export function u8(bytes: Uint8Array, offset: number, what = 'u8'): number {
  need(bytes, offset, 1, what);
  return bytes[offset];
}

// 16-bit fields: picture sizes, channel counts.
export function u16(bytes: Uint8Array, offset: number, what = 'u16'): number {
  need(bytes, offset, 2, what);
  return (bytes[offset] << 8) | bytes[offset + 1];
}

// Sizes, counts, timescales, offsets.
export function u32(bytes: Uint8Array, offset: number, what = 'u32'): number {
  need(bytes, offset, 4, what);
  return viewOf(bytes).getUint32(offset);
}

export function i32(bytes: Uint8Array, offset: number, what = 'i32'): number {
  need(bytes, offset, 4, what);
  return viewOf(bytes).getInt32(offset);
}

// 64-bit sizes, offsets and times; values above 2^53 cannot be exact in a double, so refuse them.
export function u64(bytes: Uint8Array, offset: number, what = 'u64'): number {
  need(bytes, offset, 8, what);
  const value = viewOf(bytes).getBigUint64(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4FormatError(`${what}: 64-bit value ${value} too large`);
  return Number(value);
}

// Box types and sample-entry formats are four ASCII characters.
export function fourcc(bytes: Uint8Array, offset: number, what = 'fourcc'): string {
  need(bytes, offset, 4, what);
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}
