// The sample-table boxes of one `stbl` found in one walk, and the one check every table makes
// before its loop: the entry_count it claims fits in its box. After that check the loops read
// with the unchecked big-endian readers below; a DataView or a checked read per value cost most
// of parseMoov's time on a two-hour film (~540k samples).
import { boxEnd, childBoxes, fullBoxOf, payloadStart, type BoxHeader } from '../boxes.js';
import { Mp4FormatError } from '../errors.js';

// Only these boxes of an stbl (ISO/IEC 14496-12 §8.5-§8.7) hold what a plan reads per sample.
const TABLES = new Set(['stsz', 'stz2', 'stts', 'ctts', 'stss', 'stsc', 'stco', 'co64']);

export type StblBoxes = ReadonlyMap<string, BoxHeader>;

// The first of each table box, as findBox would find it.
export function stblBoxes(bytes: Uint8Array, stbl: BoxHeader): StblBoxes {
  const found = new Map<string, BoxHeader>();
  for (const box of childBoxes(bytes, payloadStart(stbl), boxEnd(stbl))) {
    if (TABLES.has(box.type) && !found.has(box.type)) found.set(box.type, box);
  }
  return found;
}

export function tableBox(boxes: StblBoxes, type: string): BoxHeader {
  const box = boxes.get(type);
  if (!box) throw new Mp4FormatError(`missing box stbl/${type}`);
  return box;
}

/** A view for a loop over many entries before the answer: in code not yet optimised (a running
 * origin's first few long films) its reads are about twice as fast as be32's four byte loads. */
export const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
/** Big-endian u32 at `at`; the caller has checked the range. */
export const be32 = (b: Uint8Array, at: number): number => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

// An entry_count read from hostile bytes must fit in its box before any loop trusts it.
// `headerBytes`: the box's fields after version and flags up to its entries, entry_count last.
export function entries(bytes: Uint8Array, box: BoxHeader, headerBytes: number, entryBytes: number): { count: number; at: number } {
  const { body } = fullBoxOf(bytes, box);
  const at = body + headerBytes;
  if (at > boxEnd(box) || at > bytes.length) throw new Mp4FormatError(`${box.type} too short for its entry_count`);
  const count = be32(bytes, at - 4);
  if (at + count * entryBytes > Math.min(boxEnd(box), bytes.length)) {
    throw new Mp4FormatError(`${box.type} claims ${count} entries, box too short`);
  }
  return { count, at };
}

/** The last index below `length` whose value is not above `x` (0 when none is): `values` ascending. */
export function lastNotAbove(values: ArrayLike<number>, length: number, x: number): number {
  let low = 0;
  let high = length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (values[middle] <= x) low = middle;
    else high = middle - 1;
  }
  return low;
}

type Samples = Uint32Array | Int32Array | Float64Array;

/** An array of at least `length` values, the same one from call to call while it is long enough. */
export function scratch<T extends Samples>(make: (length: number) => T): (length: number) => T {
  let kept: T | undefined;
  return (length) => (kept && kept.length >= length ? kept : (kept = make(Math.max(length, 2 * (kept?.length ?? 0)))));
}

/** A table of `count` samples decoded whole on the first call of `all` and kept (by `whole`, else
 * by `alone` over every sample); `range` gives samples [start, end) (index 0 is `start`): of the
 * whole table once it is decoded, else decoded alone into one array the table keeps for it. A
 * walk through every segment (the bit rates, the index: 540,000 samples of a 2-hour film) so
 * decodes nothing whole and allocates nothing per segment (10 MB of arrays per cold 2-hour
 * rendition before, docs/benchmarks.md). A range is valid until the table's next one. */
export function onDemand<T extends Samples>(
  count: number,
  alone: (start: number, end: number, into: T) => void,
  make: (length: number) => T,
  whole = (): T => {
    const made = make(count);
    alone(0, count, made);
    return made;
  },
): { all: () => T; range: (start: number, end: number) => T } {
  let table: T | undefined;
  const into = scratch(make);
  return {
    all: () => (table ??= whole()),
    range: (start, end) => {
      if (table) return table.subarray(start, end) as T;
      const out = into(end - start);
      alone(start, end, out);
      return out.subarray(0, end - start) as T;
    },
  };
}
