// Which bytes of the source a segment alone reads. Each track's samples of a segment lie in one
// range of the file; on an interleaved file the ranges overlap and one read covers both, but a
// file muxed without interleaving (one chunk per track) keeps the tracks apart, and one read
// from the first video byte to the last audio byte would fetch most of the file for every
// segment. Ranges further apart than MERGE_GAP are read apart and laid end to end, the samples'
// offsets moved to match, so the extract (extract.ts) is built as from one span.
import type { SampleSlice } from './extract.js';

/** A gap up to this is read through: cheaper than a second request to a remote source. */
const MERGE_GAP = 256 * 1024;

interface ByteRange {
  readonly start: number;
  readonly end: number;
}

// The ranges to read for `slices`, in file order, ranges closer than `gap` merged.
export function readRanges(slices: readonly SampleSlice[], gap = MERGE_GAP): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const s of slices) {
    let start = Infinity;
    let end = 0;
    for (let i = 0; i < s.sizes.length; i++) {
      start = Math.min(start, s.offsets[i]);
      end = Math.max(end, s.offsets[i] + s.sizes[i]);
    }
    if (start < end) ranges.push({ start, end });
  }
  ranges.sort((x, y) => x.start - y.start);
  const merged: ByteRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end + gap) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else merged.push(r);
  }
  return merged;
}

// The slices with their offsets moved into the ranges laid end to end from 0.
export function laidEndToEnd(slices: readonly SampleSlice[], ranges: readonly ByteRange[]): SampleSlice[] {
  const at: number[] = [];
  let total = 0;
  for (const r of ranges) {
    at.push(total);
    total += r.end - r.start;
  }
  return slices.map((s) => {
    const offsets = new Float64Array(s.sizes.length);
    for (let i = 0; i < offsets.length; i++) {
      const k = ranges.findIndex((r) => s.offsets[i] >= r.start && s.offsets[i] + s.sizes[i] <= r.end);
      if (k < 0) throw new RangeError(`sample at ${s.offsets[i]} lies in no range read`);
      offsets[i] = s.offsets[i] - ranges[k].start + at[k];
    }
    return { ...s, offsets };
  });
}
