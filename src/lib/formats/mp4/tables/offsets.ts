// A sample's file offset is its chunk's plus the sizes before it in that chunk (ISO/IEC 14496-12
// §8.7.4, §8.7.5), computed in one walk of stsc over the chunk offsets read in place.
import { Mp4FormatError } from '../errors.js';
import { be32, entries, tableBox, type StblBoxes } from './entries.js';

const TWO_32 = 2 ** 32;
// The high half of a co64 offset above this is beyond 2^53, where a double stops being exact.
const MAX_HIGH = 2 ** 21 - 1;

// stco: u32 entry_count; u32 chunk_offset[]; co64: u64 chunk_offset[]. `at` is the first entry.
function chunkTable(bytes: Uint8Array, boxes: StblBoxes): { count: number; at: number; wide: boolean } {
  const stco = boxes.get('stco');
  const list = entries(bytes, stco ?? tableBox(boxes, 'co64'), 4, stco ? 4 : 8);
  if (!stco) {
    for (let c = 0; c < list.count; c++) {
      const high = be32(bytes, list.at + c * 8);
      if (high > MAX_HIGH) throw new Mp4FormatError(`co64 chunk_offset: 64-bit value ${high * TWO_32} too large`);
    }
  }
  return { ...list, wide: !stco };
}

// stsc: u32 entry_count; {u32 first_chunk (1-based, increasing); u32 samples_per_chunk; u32 sample_description_index}.
export function sampleOffsets(bytes: Uint8Array, boxes: StblBoxes, sizes: Uint32Array): { offsets: Float64Array; indexes: number[] } {
  const chunks = chunkTable(bytes, boxes);
  const stsc = entries(bytes, tableBox(boxes, 'stsc'), 4, 12);
  const count = sizes.length;
  const offsets = new Float64Array(count);
  const indexes = new Set<number>();
  let sample = 0;
  for (let e = 0, at = stsc.at; e < stsc.count && sample < count; e++, at += 12) {
    const first = be32(bytes, at);
    const next = e + 1 < stsc.count ? be32(bytes, at + 12) : chunks.count + 1;
    const perChunk = be32(bytes, at + 4);
    if ((e === 0 && first !== 1) || first < 1 || next <= first || next > chunks.count + 1) {
      throw new Mp4FormatError(`stsc entry ${e} has first_chunk ${first} (next ${next}, ${chunks.count} chunks)`);
    }
    if (perChunk > 0) indexes.add(be32(bytes, at + 8));
    for (let c = first; c < next && sample < count; c++) {
      const entry = chunks.at + (c - 1) * (chunks.wide ? 8 : 4);
      let offset = chunks.wide ? be32(bytes, entry) * TWO_32 + be32(bytes, entry + 4) : be32(bytes, entry);
      const end = Math.min(sample + perChunk, count);
      for (; sample < end; sample++) {
        offsets[sample] = offset;
        offset += sizes[sample];
      }
      if (offset > Number.MAX_SAFE_INTEGER) throw new Mp4FormatError('sample offsets beyond 2^53');
    }
  }
  if (sample < count) throw new Mp4FormatError(`chunks hold ${sample} of ${count} samples`);
  return { offsets, indexes: [...indexes].sort((a, b) => a - b) };
}
