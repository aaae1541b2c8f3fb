// Building boxes (ISO/IEC 14496-12 §4.2): a 32-bit size, a type, then the payload.
import { Mp4FormatError } from './errors.js';

// A box's payload is a list of byte pieces, joined once so lengths add up without intermediate copies.
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

// 64-bit fields (tfdt baseMediaDecodeTime, co64 offsets) may exceed 2^32.
export function uint64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

// aligned(8) class Box { u32 size; u32 type; payload } (32-bit sizes only: extracts are small).
export function box(type: string, parts: readonly Uint8Array[]): Uint8Array {
  const payload = concat(parts);
  const size = 8 + payload.length;
  if (size > 0xffffffff) throw new Mp4FormatError(`'${type}' box of ${size} bytes needs a largesize`);
  return concat([uint32(size), ascii(type), payload]);
}

// FullBox: u8 version; bit(24) flags; then the fields.
export function fullBox(type: string, version: number, flags: number, parts: readonly Uint8Array[]): Uint8Array {
  return box(type, [uint32(((version & 0xff) << 24) | (flags & 0xffffff)), ...parts]);
}
