// An extract's samples split over several movie fragments (ISO/IEC 14496-12 §8.8), each holding
// the samples mp42hls reads next. mp42hls reads an extract through Bento4's linear reader, which
// keeps the samples it passes over while it looks for the other track's next one and fails with
// error -23 (not enough space) past about 16 MiB (measured); one mdat with all video before all audio holds a whole
// segment's video there. Fragments cut in mp42hls's reading order (interleave.ts: video while its
// decode time is not later than audio's) bound that to one fragment. The packaged bytes do not
// change: mp42hls writes samples by their times, not by where they lie in the file.
import { childrenOf, findBox } from '../mp4/boxes.js';
import { timescaleAndDuration, trackHeader } from '../mp4/moov.js';

// The samples of one track that an extract carries, however they were obtained (from a
// parsed moov, or from casterpak's segment index without parsing the moov again).
export interface SampleSlice {
  readonly trackId: number;
  readonly descriptionIndex: number;
  /** Decode time of the first sample, in the track's timescale (tfdt). */
  readonly baseDecodeTime: number;
  readonly durations: ArrayLike<number>;
  readonly sizes: ArrayLike<number>;
  readonly sync: ArrayLike<number>;
  readonly compositionOffsets: ArrayLike<number>;
  /** File offsets of the samples. */
  readonly offsets: ArrayLike<number>;
}

/** Bytes of samples per fragment, well under the reader's 16 MiB. */
export const FRAGMENT_BYTES = 4 * 1024 * 1024;

// each track's mdhd timescale by track ID, from the extract's own moov (empty sample tables).
export function extractTimescales(header: Uint8Array): Map<number, number> {
  const timescales = new Map<number, number>();
  const moov = findBox(header, ['moov']);
  if (!moov) return timescales;
  for (const trak of childrenOf(header, moov)) {
    if (trak.type !== 'trak') continue;
    const tkhd = findBox(header, ['tkhd'], trak);
    const mdhd = findBox(header, ['mdia', 'mdhd'], trak);
    if (tkhd && mdhd) timescales.set(trackHeader(header, tkhd).id, timescaleAndDuration(header, mdhd).timescale);
  }
  return timescales;
}

function part<T>(values: ArrayLike<T>, start: number, end: number): ArrayLike<T> {
  const typed = values as ArrayLike<T> & { subarray?: (s: number, e: number) => ArrayLike<T> };
  return typed.subarray ? typed.subarray(start, end) : Array.prototype.slice.call(values, start, end);
}

// samples [start, end) of a slice as a slice of their own, its tfdt advanced past the ones before.
function subSlice(slice: SampleSlice, start: number, end: number): SampleSlice {
  let base = slice.baseDecodeTime;
  for (let i = 0; i < start; i++) base += slice.durations[i];
  return {
    trackId: slice.trackId,
    descriptionIndex: slice.descriptionIndex,
    baseDecodeTime: base,
    durations: part(slice.durations, start, end),
    sizes: part(slice.sizes, start, end),
    sync: part(slice.sync, start, end),
    compositionOffsets: part(slice.compositionOffsets, start, end),
    offsets: part(slice.offsets, start, end),
  };
}

interface Cursor {
  readonly slice: SampleSlice;
  readonly timescale: number;
  next: number;
  decodeTime: number;
  from: number;
}

// the fragments of an extract, each a list of slices in the order given (trak order).
// Two slices with known timescales and more than `budget` bytes are cut; anything else stays whole.
export function fragmentSlices(
  slices: readonly SampleSlice[],
  timescales: ReadonlyMap<number, number>,
  budget = FRAGMENT_BYTES,
): SampleSlice[][] {
  let total = 0;
  for (const s of slices) for (let i = 0; i < s.sizes.length; i++) total += s.sizes[i];
  const known = slices.every((s) => (timescales.get(s.trackId) ?? 0) > 0);
  if (total <= budget || slices.length !== 2 || !known) return [[...slices]];
  const cursors: Cursor[] = slices.map((slice) => ({
    slice,
    timescale: timescales.get(slice.trackId)!,
    next: 0,
    decodeTime: slice.baseDecodeTime,
    from: 0,
  }));
  const fragments: SampleSlice[][] = [];
  const close = () => {
    const parts = cursors.filter((c) => c.next > c.from).map((c) => subSlice(c.slice, c.from, c.next));
    if (parts.length > 0) fragments.push(parts);
    for (const c of cursors) c.from = c.next;
  };
  const left = (c: Cursor) => c.next < c.slice.sizes.length;
  let bytes = 0;
  for (;;) {
    const open = cursors.filter(left);
    if (open.length === 0) break;
    const c = open.reduce((x, y) => (y.decodeTime / y.timescale < x.decodeTime / x.timescale ? y : x));
    const size = c.slice.sizes[c.next];
    if (bytes > 0 && bytes + size > budget) {
      close();
      bytes = 0;
    }
    bytes += size;
    c.decodeTime += c.slice.durations[c.next];
    c.next++;
  }
  close();
  return fragments;
}
