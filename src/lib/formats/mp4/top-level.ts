// The one walk over an MP4 file's top-level boxes (ISO/IEC 14496-12 §4.2), by their headers
// alone, with the I/O injected: a local file, a remote one by ranges, or bytes in memory. It
// refuses a file cut off in the middle of a box (mp42hls would write segments up to the cut and
// fail, or write a short rendition) and says where the moov is.
import { Mp4FormatError } from './errors.js';
import { sniffMp4 } from './sniff.js';

/** Up to `length` bytes at `offset` (fewer only at the end of the file); provided by the I/O layer. */
type ReadAt = (offset: number, length: number) => Uint8Array | Promise<Uint8Array>;

/** Bytes read at a top-level offset to decode a header, a 64-bit largesize included. */
const TOP_LEVEL_HEADER_BYTES = 16;

// Bounds on what a hostile or broken file can make the walk read: a real MP4 has a handful of
// top-level boxes (ftyp, moov, mdat, free; a fragmented one a moof and mdat per fragment).
export const MAX_TOP_LEVEL_BOXES = 10_000;
// The moov is read whole into memory and parsed there, per packaging job, and parsing allocates
// several times its size again (per-sample offsets, sizes and times). Its tables cost about 12
// bytes a sample (4 in stsz, 8 in ctts; stts, stco and stsc go by runs and chunks), so 256 MiB
// holds the 20 million samples parseMoov accepts at most (MAX_SAMPLES_PER_MOVIE in moov.ts);
// 512 MiB would only admit moovs that it refuses after they were read.
export const MAX_MOOV_BYTES = 256 * 1024 * 1024;

/** The message for a file without a top-level moov, wherever that is found out. */
export const NO_MOOV = 'truncated or not an MP4 (no moov)';

// Where the top-level box whose header (at least its first 16 bytes, fewer at the end of the
// file) starts at `offset` ends, or why it cannot (§4.2: size 1 means a 64-bit largesize
// follows the type; size 0 means "to the end of the file"). A box that claims more bytes than
// the file holds means a truncated or corrupted file.
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

/** Where a box is in the file: [offset, offset + size). */
export interface BoxSpan {
  readonly offset: number;
  readonly size: number;
}

// Every top-level box header, in order, up to MAX_TOP_LEVEL_BOXES of them; the first moov's span,
// or null when there is none (in the boxes walked). Throws Mp4FormatError when the file is empty,
// does not start like an MP4, or has a box that runs past its end (then, before a moov was seen,
// with NO_MOOV: a cut-off copy usually lost the moov at its end). `onBox` sees every box walked.
export async function walkTopLevelBoxes(
  fileSize: number,
  readAt: ReadAt,
  onBox?: (type: string, span: BoxSpan) => void,
): Promise<{ readonly moov: BoxSpan | null }> {
  if (fileSize === 0) throw new Mp4FormatError('empty file');
  const first = await readAt(0, Math.min(TOP_LEVEL_HEADER_BYTES, fileSize));
  const why = sniffMp4(first);
  if (why) throw new Mp4FormatError(`not an MP4 (${why})`);
  let moov: BoxSpan | null = null;
  for (let offset = 0, boxes = 0; offset < fileSize && boxes < MAX_TOP_LEVEL_BOXES; boxes++) {
    const head = offset === 0 ? first : await readAt(offset, Math.min(TOP_LEVEL_HEADER_BYTES, fileSize - offset));
    const end = topLevelBoxEnd(head, offset, fileSize);
    if (typeof end === 'string') throw new Mp4FormatError(moov ? end : NO_MOOV);
    const type = head.length >= 8 ? String.fromCharCode(...head.subarray(4, 8)) : '';
    if (moov === null && type === 'moov') moov = { offset, size: end - offset };
    onBox?.(type, { offset, size: end - offset });
    offset = end;
  }
  return { moov };
}

// The moov's span, after the whole walk; no moov, or one over MAX_MOOV_BYTES, is an Mp4FormatError.
export async function locateMoov(fileSize: number, readAt: ReadAt): Promise<BoxSpan> {
  const { moov } = await walkTopLevelBoxes(fileSize, readAt);
  if (moov === null) throw new Mp4FormatError(NO_MOOV);
  if (moov.size > MAX_MOOV_BYTES) throw new Mp4FormatError(`moov of ${moov.size} bytes is larger than casterpak reads`);
  return moov;
}
