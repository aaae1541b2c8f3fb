// Box headers and box trees (ISO/IEC 14496-12 §4.2). Every size is validated against its
// container, so truncated or hostile input throws Mp4FormatError instead of looping or
// reading out of bounds.
import { fourcc, need, u32, u64, u8 } from './byte-reader.js';
import { Mp4FormatError } from './errors.js';

// Where a box is and how big, without copying its bytes.
export interface BoxHeader {
  readonly type: string;
  /** Offset of the box's first byte in the array it was read from (or in the file). */
  readonly offset: number;
  /** Whole box, header included. */
  readonly size: number;
  readonly headerSize: number;
}

// The end of a box is needed at every step of a walk.
export const boxEnd = (box: BoxHeader): number => box.offset + box.size;
// Where a box's payload (its children, for a container) begins.
export const payloadStart = (box: BoxHeader): number => box.offset + box.headerSize;

const PRINTABLE = /^[\x20-\x7e\xa9]{4}$/;

// The one decoding of a header, shared by in-memory walks and top-level file reads.
//   aligned(8) class Box { unsigned int(32) size; unsigned int(32) type;
//     if (size==1) unsigned int(64) largesize;  else if (size==0) box extends to end;
//     if (type=='uuid') unsigned int(8)[16] usertype; }
function decodeHeader(bytes: Uint8Array, at: number, offset: number, room: number): BoxHeader {
  need(bytes, at, 8, 'box header');
  const small = u32(bytes, at);
  const type = fourcc(bytes, at + 4);
  if (!PRINTABLE.test(type)) throw new Mp4FormatError(`box at ${offset} has a non-ASCII type`);
  let headerSize = 8;
  let size = small;
  if (small === 1) {
    size = u64(bytes, at + 8, `largesize of '${type}'`);
    headerSize = 16;
  } else if (small === 0) {
    size = room;
  }
  if (type === 'uuid') headerSize += 16;
  if (size < headerSize) throw new Mp4FormatError(`box '${type}' at ${offset} has size ${size} < header ${headerSize}`);
  if (size > room) throw new Mp4FormatError(`box '${type}' at ${offset} claims ${size} bytes, only ${room} remain`);
  return { type, offset, size, headerSize };
}

// Read one box header from bytes held in memory, inside a container ending at `end`.
export function readBoxHeader(bytes: Uint8Array, offset: number, end: number = bytes.length): BoxHeader {
  if (end > bytes.length) throw new Mp4FormatError(`container end ${end} beyond ${bytes.length} bytes`);
  if (end - offset < 8) throw new Mp4FormatError(`box header at ${offset}: only ${end - offset} bytes left`);
  return decodeHeader(bytes.subarray(0, end), offset, offset, end - offset);
}

// Walk the children of a container (or the top level of an in-memory file).
// QuickTime lets `udta` end with a 32-bit zero terminator; trailing zero bytes under 8 are tolerated.
export function* childBoxes(bytes: Uint8Array, start: number, end: number): Generator<BoxHeader> {
  let offset = start;
  while (offset < end) {
    if (end - offset < 8 && bytes.subarray(offset, end).every((b) => b === 0)) return;
    const box = readBoxHeader(bytes, offset, end);
    yield box;
    offset = boxEnd(box);
  }
}

// Children of a box, e.g. every `trak` of a `moov`.
export function childrenOf(bytes: Uint8Array, parent: BoxHeader): BoxHeader[] {
  return [...childBoxes(bytes, payloadStart(parent), boxEnd(parent))];
}

// Reach a nested box by its path, e.g. ['mdia','minf','stbl','stsz'] under a `trak`.
export function findBox(bytes: Uint8Array, path: readonly string[], parent?: BoxHeader): BoxHeader | undefined {
  let start = parent ? payloadStart(parent) : 0;
  let end = parent ? boxEnd(parent) : bytes.length;
  let found: BoxHeader | undefined;
  for (const type of path) {
    found = undefined;
    for (const box of childBoxes(bytes, start, end)) {
      if (box.type === type) {
        found = box;
        break;
      }
    }
    if (!found) return undefined;
    start = payloadStart(found);
    end = boxEnd(found);
  }
  return found;
}

// Like findBox, but a missing box is malformed input.
export function requireBox(bytes: Uint8Array, path: readonly string[], parent?: BoxHeader): BoxHeader {
  const box = findBox(bytes, path, parent);
  if (!box) throw new Mp4FormatError(`missing box ${[parent?.type, ...path].filter(Boolean).join('/')}`);
  return box;
}

// The version decides field widths in many boxes (mvhd, tkhd, mdhd, ctts, trun).
interface FullBox {
  readonly version: number;
  readonly flags: number;
  /** Offset of the first byte after version and flags. */
  readonly body: number;
}

// FullBox (§4.2): unsigned int(8) version; bit(24) flags; then the box's own fields.
export function fullBoxOf(bytes: Uint8Array, box: BoxHeader): FullBox {
  const at = payloadStart(box);
  need(bytes, at, 4, `version and flags of '${box.type}'`);
  if (at + 4 > boxEnd(box)) throw new Mp4FormatError(`'${box.type}' too short for version and flags`);
  const version = u8(bytes, at);
  const flags = (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
  return { version, flags, body: at + 4 };
}
