// The sizes table fixes a track's sample count (ISO/IEC 14496-12 §8.7.3).
//   stsz: u32 sample_size; u32 sample_count; [u32 entry_size × sample_count when sample_size == 0]
//   stz2: u24 reserved; u8 field_size (4|8|16); u32 sample_count; packed sizes
import { boxEnd, fullBoxOf, type BoxHeader } from '../boxes.js';
import { Mp4FormatError } from '../errors.js';
import { be32, onDemand, tableBox, viewOf, type StblBoxes } from './entries.js';

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

export interface SampleSizes {
  readonly count: number;
  /** The bytes of all samples, summed on the first call and kept (a track's bit rate is it over
   * its duration; the offsets are bounded with it, offsets.ts): a media playlist needs none of it. */
  readonly total: () => number;
  /** Each sample's size, decoded on the first call and kept: a media playlist needs only the total. */
  readonly sizes: () => Uint32Array;
  /** Sample i's size, read where it is. */
  readonly sizeAt: (i: number) => number;
  /** The sizes of samples [start, end): of the whole table once decoded, else read for them alone
   * (valid until the next call: entries.ts onDemand). */
  readonly sizesIn: (start: number, end: number) => Uint32Array;
}

export function sampleSizes(bytes: Uint8Array, boxes: StblBoxes): SampleSizes {
  const stsz = boxes.get('stsz');
  const box = stsz ?? tableBox(boxes, 'stz2');
  const { count, body, end } = countOf(bytes, box);
  // `alone` reads a range's sizes, the whole table too unless `whole` decodes it by a loop of its own.
  const of = (
    sum: () => number,
    sizeAt: (i: number) => number,
    whole?: () => Uint32Array,
    alone = (start: number, stop: number, into: Uint32Array) => {
      for (let i = start; i < stop; i++) into[i - start] = sizeAt(i);
    },
  ): SampleSizes => {
    const { all, range } = onDemand(count, alone, (length) => new Uint32Array(length), whole);
    let total: number | undefined;
    return { count, total: () => (total ??= sum()), sizes: all, sizeAt, sizesIn: range };
  };
  if (!stsz) {
    const sizes = stz2Sizes(bytes, body, end, count);
    return of(
      () => sizes.reduce((sum, size) => sum + size, 0),
      (i) => sizes[i],
      () => sizes,
    );
  }
  const constant = be32(bytes, body);
  if (constant !== 0)
    return of(
      () => constant * count,
      () => constant,
      () => new Uint32Array(count).fill(constant),
    );
  const first = body + 8;
  if (first + count * 4 > end) throw new Mp4FormatError('stsz too short for its sample_count');
  const view = viewOf(bytes);
  const sum = () => {
    let total = 0;
    for (let at = first; at < first + count * 4; at += 4) total += view.getUint32(at);
    return total;
  };
  // A range through the view: the walk through the segments reads each size a few times (spans,
  // bit rates, the index), no array of all of them kept.
  const alone = (start: number, stop: number, into: Uint32Array) => {
    for (let i = start, at = first + 4 * start; i < stop; i++, at += 4) into[i - start] = view.getUint32(at);
  };
  return of(sum, (i) => view.getUint32(first + 4 * i), undefined, alone);
}

// stz2 (rare): decoded at once.
function stz2Sizes(bytes: Uint8Array, body: number, end: number, count: number): Uint32Array {
  const sizes = new Uint32Array(count);
  const field = bytes[body + 3];
  if (field !== 4 && field !== 8 && field !== 16) throw new Mp4FormatError(`stz2 field_size ${field}`);
  const at = body + 8;
  if (at + Math.ceil((count * field) / 8) > end) throw new Mp4FormatError('stz2 too short');
  if (field === 16) for (let i = 0; i < count; i++) sizes[i] = (bytes[at + 2 * i] << 8) | bytes[at + 2 * i + 1];
  else if (field === 8) for (let i = 0; i < count; i++) sizes[i] = bytes[at + i];
  else for (let i = 0; i < count; i++) sizes[i] = i % 2 === 0 ? bytes[at + (i >> 1)] >> 4 : bytes[at + (i >> 1)] & 15;
  return sizes;
}
