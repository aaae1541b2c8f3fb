// The sizes table fixes a track's sample count (ISO/IEC 14496-12 §8.7.3).
//   stsz: u32 sample_size; u32 sample_count; [u32 entry_size × sample_count when sample_size == 0]
//   stz2: u24 reserved; u8 field_size (4|8|16); u32 sample_count; packed sizes
import { boxEnd, fullBoxOf, type BoxHeader } from '../boxes.js';
import { Mp4FormatError } from '../errors.js';
import { be32, tableBox, type StblBoxes } from './entries.js';

// A few hostile bytes can claim millions of samples (constant-size stsz, one stts run);
// refuse more than ~24 h of 60 fps video (5.2M) or 48 kHz AAC (4M) rather than allocate without bound.
export const MAX_SAMPLES_PER_TRACK = 10_000_000;

function countOf(bytes: Uint8Array, box: BoxHeader): { count: number; body: number; end: number } {
  const { body } = fullBoxOf(bytes, box);
  const end = Math.min(boxEnd(box), bytes.length);
  if (body + 8 > end) throw new Mp4FormatError(`${box.type} too short for its sample_count`);
  const count = be32(bytes, body + 4);
  if (count > MAX_SAMPLES_PER_TRACK) throw new Mp4FormatError(`${count} samples in one track is beyond the limit`);
  return { count, body, end };
}

export function sampleSizes(bytes: Uint8Array, boxes: StblBoxes): Uint32Array {
  const stsz = boxes.get('stsz');
  const box = stsz ?? tableBox(boxes, 'stz2');
  const { count, body, end } = countOf(bytes, box);
  const sizes = new Uint32Array(count);
  if (stsz) {
    const constant = be32(bytes, body);
    if (constant !== 0) return sizes.fill(constant);
    if (body + 8 + count * 4 > end) throw new Mp4FormatError('stsz too short for its sample_count');
    for (let i = 0, at = body + 8; i < count; i++, at += 4) {
      sizes[i] = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
    }
    return sizes;
  }
  const field = bytes[body + 3];
  if (field !== 4 && field !== 8 && field !== 16) throw new Mp4FormatError(`stz2 field_size ${field}`);
  const at = body + 8;
  if (at + Math.ceil((count * field) / 8) > end) throw new Mp4FormatError('stz2 too short');
  if (field === 16) for (let i = 0; i < count; i++) sizes[i] = (bytes[at + 2 * i] << 8) | bytes[at + 2 * i + 1];
  else if (field === 8) for (let i = 0; i < count; i++) sizes[i] = bytes[at + i];
  else for (let i = 0; i < count; i++) sizes[i] = i % 2 === 0 ? bytes[at + (i >> 1)] >> 4 : bytes[at + (i >> 1)] & 15;
  return sizes;
}

// The bytes of all samples, summed once per table: the offsets are bounded with it when the moov
// is read (offsets.ts), and a track's bit rate is it over its duration (packaging/moov-media.ts).
const totals = new WeakMap<Uint32Array, number>();
export function totalSize(sizes: Uint32Array): number {
  let total = totals.get(sizes);
  if (total === undefined) {
    total = 0;
    for (let i = 0; i < sizes.length; i++) total += sizes[i];
    totals.set(sizes, total);
  }
  return total;
}
