// A sample's file offset is its chunk's plus the sizes before it in that chunk (ISO/IEC 14496-12
// §8.7.4, §8.7.5), computed in one walk of stsc over the chunk offsets read in place. The tables
// are checked when the moov is read; the walk itself runs when the offsets are first needed, which
// a media playlist never is (docs/architecture.md, "A cold playlist answered early").
import { Mp4FormatError } from '../errors.js';
import { be32, entries, lastNotAbove, onDemand, tableBox, viewOf, type StblBoxes } from './entries.js';
import type { SampleSizes } from './sizes.js';

const TWO_32 = 2 ** 32;
// The high half of a co64 offset above this is beyond 2^53, where a double stops being exact.
const MAX_HIGH = 2 ** 21 - 1;

// stco: u32 entry_count; u32 chunk_offset[]; co64: u64 chunk_offset[]. `at` is the first entry;
// `below`: every chunk offset is below it.
function chunkTable(bytes: Uint8Array, boxes: StblBoxes): { count: number; at: number; step: number; below: number } {
  const stco = boxes.get('stco');
  const list = entries(bytes, stco ?? tableBox(boxes, 'co64'), 4, stco ? 4 : 8);
  if (stco) return { ...list, step: 4, below: TWO_32 };
  let highest = 0;
  for (let c = 0; c < list.count; c++) {
    const high = be32(bytes, list.at + c * 8);
    if (high > MAX_HIGH) throw new Mp4FormatError(`co64 chunk_offset: 64-bit value ${high * TWO_32} too large`);
    highest = Math.max(highest, high);
  }
  return { ...list, step: 8, below: (highest + 1) * TWO_32 };
}

interface SampleOffsets {
  /** The sample_description_index values samples use (stsc), ascending. */
  readonly indexes: number[];
  /** Each sample's file offset, computed on the first call and kept. */
  readonly offsets: () => Float64Array;
  /** The offsets of samples [start, end): of the whole table once walked, else walked for them
   * alone (valid until the next call: entries.ts onDemand). */
  readonly offsetsIn: (start: number, end: number) => Float64Array;
}

// stsc: u32 entry_count; {u32 first_chunk (1-based, increasing); u32 samples_per_chunk; u32 sample_description_index}.
// Every check is made here, on the entries alone: the walk cannot fail later. Offsets that could
// pass 2^53 (never in a real file) are computed at once, to be refused now.
export function sampleOffsets(bytes: Uint8Array, boxes: StblBoxes, { count, total, sizes, sizeAt }: SampleSizes): SampleOffsets {
  const chunks = chunkTable(bytes, boxes);
  const stsc = entries(bytes, tableBox(boxes, 'stsc'), 4, 12);
  const indexes: number[] = [];
  let held = 0;
  let walked = 0;
  const view = viewOf(bytes);
  // A loop before the answer, in code not yet optimised in a process's first long films (45,000
  // entries in a 2-hour film's audio): an entry's first chunk is the one before's next, read once;
  // a description looked up only when it changes (docs/benchmarks.md, "Cold path, eleventh round").
  let first = stsc.count > 0 ? view.getUint32(stsc.at) : 0;
  let description = -1;
  for (let e = 0, at = stsc.at; e < stsc.count && held < count; e++, at += 12) {
    const next = e + 1 < stsc.count ? view.getUint32(at + 12) : chunks.count + 1;
    const perChunk = view.getUint32(at + 4);
    if ((e === 0 && first !== 1) || first < 1 || next <= first || next > chunks.count + 1) {
      throw new Mp4FormatError(`stsc entry ${e} has first_chunk ${first} (next ${next}, ${chunks.count} chunks)`);
    }
    if (perChunk > 0 && view.getUint32(at + 8) !== description) {
      description = view.getUint32(at + 8);
      if (!indexes.includes(description)) indexes.push(description);
    }
    held += (next - first) * perChunk;
    walked = e + 1;
    first = next;
  }
  if (held < count) throw new Mp4FormatError(`chunks hold ${held} of ${count} samples`);
  // The first sample of each entry walked, once a range is read: its walk starts at the entry that
  // holds its first sample, found by a search, not a walk from the first entry.
  let firsts: Float64Array | undefined;
  const firstSamples = (): Float64Array => {
    if (firsts) return firsts;
    firsts = new Float64Array(walked);
    for (let e = 0, at = stsc.at, sample = 0; e < walked; e++, at += 12) {
      firsts[e] = sample;
      const next = e + 1 < stsc.count ? be32(bytes, at + 12) : chunks.count + 1;
      sample += (next - be32(bytes, at)) * be32(bytes, at + 4);
    }
    return firsts;
  };
  const { all, range } = onDemand(
    count,
    (start, end, into) => {
      const starts = firstSamples();
      const e = lastNotAbove(starts, walked, start); // the entry that holds `start`
      walkRange(bytes, chunks, stsc, sizeAt, { e, at: stsc.at + 12 * e, sample: starts[e] }, start, end, into);
    },
    (length) => new Float64Array(length),
    () => walk(bytes, chunks, stsc, sizes()),
  );
  // No sample is 2^32 bytes: the sizes' total is summed only when that bound does not settle it.
  if (chunks.below + count * (TWO_32 - 1) > Number.MAX_SAFE_INTEGER && chunks.below + total() > Number.MAX_SAFE_INTEGER) all();
  return { indexes: indexes.sort((a, b) => a - b), offsets: all, offsetsIn: range };
}

// The walk for samples [start, end) alone (end within the count) into `into` (index 0 is
// `start`), from `from`, the stsc entry `e` at byte `at` whose first sample is `sample` (the one
// that holds `start`), through its chunks, each offset as the whole walk computes it.
function walkRange(
  bytes: Uint8Array,
  chunks: { count: number; at: number; step: number },
  stsc: { count: number; at: number },
  sizeAt: (i: number) => number,
  from: { e: number; at: number; sample: number },
  start: number,
  end: number,
  out: Float64Array,
): void {
  const { step } = chunks;
  let sample = from.sample;
  for (let e = from.e, at = from.at; e < stsc.count && sample < end; e++, at += 12) {
    const first = be32(bytes, at);
    const next = e + 1 < stsc.count ? be32(bytes, at + 12) : chunks.count + 1;
    const perChunk = be32(bytes, at + 4);
    if (perChunk === 0) continue;
    if (sample + (next - first) * perChunk <= start) {
      sample += (next - first) * perChunk;
      continue;
    }
    const skipped = sample < start ? Math.floor((start - sample) / perChunk) : 0;
    sample += skipped * perChunk;
    for (let c = first + skipped, entry = chunks.at + (c - 1) * step; c < next && sample < end; c++, entry += step) {
      let offset = step === 8 ? be32(bytes, entry) * TWO_32 + be32(bytes, entry + 4) : be32(bytes, entry);
      for (const stop = Math.min(sample + perChunk, end); sample < stop; sample++) {
        if (sample >= start) out[sample - start] = offset;
        offset += sizeAt(sample);
      }
    }
  }
}

// The walk over checked tables. The chunk loop takes one sample a chunk without an inner loop: a
// film's video is often one sample a chunk.
function walk(
  bytes: Uint8Array,
  chunks: { count: number; at: number; step: number },
  stsc: { count: number; at: number },
  sizes: Uint32Array,
) {
  const { step } = chunks;
  const wide = step === 8;
  const count = sizes.length;
  const offsets = new Float64Array(count);
  let sample = 0;
  for (let e = 0, at = stsc.at; e < stsc.count && sample < count; e++, at += 12) {
    const first = be32(bytes, at);
    const next = e + 1 < stsc.count ? be32(bytes, at + 12) : chunks.count + 1;
    const perChunk = be32(bytes, at + 4);
    // The chunks this entry fills before the samples run out.
    const last = perChunk === 0 ? first : Math.min(next, first + Math.ceil((count - sample) / perChunk));
    for (let c = first, entry = chunks.at + (first - 1) * step; c < last; c++, entry += step) {
      let offset = wide ? be32(bytes, entry) * TWO_32 + be32(bytes, entry + 4) : be32(bytes, entry);
      if (perChunk === 1) {
        offsets[sample++] = offset;
        continue;
      }
      const end = Math.min(sample + perChunk, count);
      for (; sample < end; sample++) {
        offsets[sample] = offset;
        offset += sizes[sample];
      }
      if (offset > Number.MAX_SAFE_INTEGER) throw new Mp4FormatError('sample offsets beyond 2^53');
    }
  }
  return offsets;
}
