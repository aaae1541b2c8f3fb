// Recognises an ISO BMFF (MP4) file from its first box header (ISO/IEC 14496-12 §4.2):
// 32-bit big-endian size, then a four-character type. The walk over all of them is top-level.ts.

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
