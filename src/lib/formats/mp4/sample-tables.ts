// Per-sample arrays from a track's sample table (ISO/IEC 14496-12 §8.6, §8.7), in typed arrays
// so a two-hour film (~540k samples) costs ~16 MB. Every count is checked against its box size
// before anything is allocated; the decoders are in tables/ (one loop per table, no per-sample
// objects).
import type { BoxHeader } from './boxes.js';
import { stblBoxes } from './tables/entries.js';
import { sampleOffsets } from './tables/offsets.js';
import { MAX_SAMPLES_PER_TRACK, sampleSizes } from './tables/sizes.js';
import { compositionOffsets, syncFlags, timing, type OffsetRange } from './tables/timing.js';

export { MAX_SAMPLES_PER_TRACK };

// Per-sample facts in typed arrays (index i is sample i + 1): a long film has millions of samples.
export interface SampleTable {
  readonly count: number;
  /** Decode time in track timescale units (exact below 2^53). */
  readonly decodeTimes: Float64Array;
  /** The decode time after the last sample (the last one's plus its duration). */
  readonly decodeEnd: number;
  /** A moov's are decoded when first read, as are its sizes and offsets. */
  readonly durations: Uint32Array;
  readonly sizes: Uint32Array;
  /** The bytes of all samples. */
  readonly totalBytes: number;
  /** Absolute file offsets (exact below 2^53); a moov's are walked when first read (tables/offsets.ts). */
  readonly offsets: Float64Array;
  /** 1 for a sync sample; all 1 without stss. */
  readonly sync: Uint8Array;
  /** ctts offsets; version 0 values too are read as signed 32 bits, as Bento4 does. Zeros without
   * ctts. A moov's are decoded when first read; their range is known before (offsetRange). */
  readonly compositionOffsets: Int32Array;
  /** Distinct sample_description_index values that samples use (stsc), ascending. */
  readonly sampleDescriptionIndexes: readonly number[];
}

// Planning and extracting read every table of a track, so they are checked together once; the
// sizes, durations and offsets are decoded when first read (a media playlist reads none of them:
// docs/architecture.md, "A cold playlist answered early"), through getters, which withTimes keeps.
export function parseSampleTable(bytes: Uint8Array, stbl: BoxHeader): SampleTable {
  const boxes = stblBoxes(bytes, stbl);
  const sizes = sampleSizes(bytes, boxes);
  const { count } = sizes;
  const { decodeTimes, decodeEnd, durations, durationsIn } = timing(bytes, boxes, count);
  const { offsets, offsetsIn, indexes } = sampleOffsets(bytes, boxes, sizes);
  const composition = compositionOffsets(bytes, boxes, count);
  let own: Float64Array | undefined;
  const table: SampleTable = {
    count,
    get decodeTimes() {
      return (own ??= decodeTimes(0));
    },
    decodeEnd,
    get durations() {
      return durations();
    },
    get sizes() {
      return sizes.sizes();
    },
    totalBytes: sizes.total,
    get offsets() {
      return offsets();
    },
    sync: syncFlags(bytes, boxes, count),
    get compositionOffsets() {
      return composition.offsets();
    },
    sampleDescriptionIndexes: indexes,
  };
  decoders.set(table, { times: decodeTimes, sizes: sizes.sizesIn, durations: durationsIn, offsets: offsetsIn });
  offsetRanges.set(table, composition.range);
  return table;
}

// A moov's tables' ranges of composition offsets, known from their ctts entries (and kept by a
// table moved onto the presentation timeline with the same offsets); another's found by a loop.
const offsetRanges = new WeakMap<SampleTable, OffsetRange>();
export function offsetRange(table: SampleTable): OffsetRange {
  let range = offsetRanges.get(table);
  if (!range) {
    const offsets = table.compositionOffsets;
    let [lowest, largest] = [0, 0];
    for (let i = 0; i < offsets.length; i++) [lowest, largest] = [Math.min(lowest, offsets[i]), Math.max(largest, offsets[i])];
    range = { lowest, largest };
    offsetRanges.set(table, range);
  }
  return range;
}

type RangeField = 'sizes' | 'durations' | 'offsets';
type RangeDecoders = { readonly [F in RangeField]: (start: number, end: number) => SampleTable[F] };

// A moov's table decodes its decode times moved (`times`) and a few samples' sizes, durations and
// offsets from its boxes; a table moved onto the presentation timeline keeps the latter.
const decoders = new WeakMap<SampleTable, RangeDecoders & { readonly times?: (start: number) => Float64Array }>();

/** Samples [start, end)'s sizes, durations or offsets (index 0 is `start`): a moov's read for them
 * alone until its whole table is decoded (one segment's spans, index and bytes). */
export function samplesIn<F extends RangeField>(table: SampleTable, field: F, start: number, end: number): SampleTable[F] {
  const decode = decoders.get(table)?.[field] as ((start: number, end: number) => SampleTable[F]) | undefined;
  return decode ? decode(start, end) : (table[field].subarray(start, end) as SampleTable[F]);
}

// A moov's decode times moved by `add` ticks, decoded so from its stts: its own are not decoded
// first (a moved track never reads them). Another table's (fragments) have `add` added.
export function movedDecodeTimes(table: SampleTable, add: number): Float64Array {
  const decode = decoders.get(table)?.times;
  if (decode) return decode(add);
  const times = table.decodeTimes;
  const moved = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) moved[i] = times[i] + add;
  return moved;
}

// The table with other decode times and composition offsets (mp4/timeline/presentation.ts), its
// other tables (and those of `times` not given) still read when first needed: a spread would
// read them at once.
export function withTimes(
  table: SampleTable,
  times: Pick<SampleTable, 'decodeEnd'> & Partial<Pick<SampleTable, 'decodeTimes' | 'compositionOffsets'>>,
): SampleTable {
  const moved = Object.defineProperties(
    {},
    { ...Object.getOwnPropertyDescriptors(table), ...Object.getOwnPropertyDescriptors(times) },
  ) as SampleTable;
  const own = decoders.get(table);
  if (own) decoders.set(moved, { sizes: own.sizes, durations: own.durations, offsets: own.offsets });
  const range = offsetRanges.get(table);
  if (range && !times.compositionOffsets) offsetRanges.set(moved, range);
  return moved;
}
