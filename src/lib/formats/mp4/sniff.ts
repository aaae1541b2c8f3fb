// Recognises an ISO BMFF (MP4) file from its first box header (ISO/IEC 14496-12 §4.2):
// 32-bit big-endian size, then a four-character type.

const TOP_LEVEL_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pdin', 'styp', 'uuid', 'moof', 'sidx']);

// Null when the bytes start like an MP4, else the reason.
export function sniffMp4(head: Uint8Array): string | null {
  if (head.length < 8) return 'file too short';
  const type = String.fromCharCode(head[4], head[5], head[6], head[7]);
  if (!TOP_LEVEL_BOXES.has(type)) return 'no MP4 box at the start';
  const size = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  if (size !== 0 && size !== 1 && size < 8) return 'bad box size';
  return null;
}

// Where the top-level box whose header (at least its first 16 bytes, fewer at the end of the
// file) starts at `offset` ends, or why it cannot (§4.2: size 1 means a 64-bit largesize
// follows the type; size 0 means "to the end of the file"). A box that claims more bytes than
// the file holds means a truncated or corrupted file: mp42hls would write segments up to the
// cut and fail, or write a short rendition.
export function topLevelBoxEnd(head: Uint8Array, offset: number, fileSize: number): number | string {
  if (head.length < 8) return fileSize; // a few stray trailing bytes: Bento4 ignores them too
  const type = String.fromCharCode(head[4], head[5], head[6], head[7]);
  let size = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  let headerSize = 8;
  if (size === 0) return fileSize;
  if (size === 1) {
    if (head.length < 16) return `truncated: "${type}" box header at offset ${offset} is cut off`;
    size = Number(new DataView(head.buffer, head.byteOffset + 8, 8).getBigUint64(0));
    headerSize = 16;
  }
  if (size < headerSize) return `bad size ${size} of the "${type}" box at offset ${offset}`;
  if (offset + size > fileSize)
    return `truncated: the "${type}" box at offset ${offset} needs ${size} bytes, the file has ${fileSize - offset} from there`;
  return offset + size;
}
