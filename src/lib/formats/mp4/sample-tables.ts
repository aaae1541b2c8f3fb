// Per-sample arrays from a track's sample table (ISO/IEC 14496-12 §8.6, §8.7), in typed arrays
// so a two-hour film (~540k samples) costs ~16 MB. Every count is checked against its box size
// before anything is allocated; the decoders are in tables/ (one loop per table, no per-sample
// objects).
import type { BoxHeader } from './boxes.js';
import { scratch, stblBoxes } from './tables/entries.js';
import { sampleOffsets } from './tables/offsets.js';
import { MAX_SAMPLES_PER_TRACK, sampleSizes } from './tables/sizes.js';
import { compositionOffsets, neverBack, syncSamples, timing, type OffsetRange } from './tables/timing.js';

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
  /** The bytes of all samples (a moov's summed when first read). */
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
  const { decodeTimes, decodeTimeAt, decodeEnd, durations, durationsIn } = timing(bytes, boxes, count);
  const { offsets, offsetsIn, indexes } = sampleOffsets(bytes, boxes, sizes);
  const composition = compositionOffsets(bytes, boxes, count);
  const sync = syncSamples(bytes, boxes, count);
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
    get totalBytes() {
      return sizes.total();
    },
    get offsets() {
      return offsets();
    },
    sync: sync.flags,
    get compositionOffsets() {
      return composition.offsets();
    },
    sampleDescriptionIndexes: indexes,
  };
  decoders.set(table, {
    times: decodeTimes,
    timeAt: decodeTimeAt,
    syncs: sync.list,
    sizes: sizes.sizesIn,
    durations: durationsIn,
    offsets: offsetsIn,
    compositionOffsets: composition.offsetsIn,
  });
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
    for (let i = 0; i < offsets.length; i++) {
      lowest = Math.min(lowest, offsets[i]);
      largest = Math.max(largest, offsets[i]);
    }
    range = { lowest, largest };
    offsetRanges.set(table, range);
  }
  return range;
}

type RangeField = 'sizes' | 'durations' | 'offsets' | 'compositionOffsets';
type RangeDecoders = { readonly [F in RangeField]: (start: number, end: number) => SampleTable[F] };
interface TimeDecoders {
  /** The decode times from `start` (not the table's own first). */
  readonly times: (start: number) => Float64Array;
  /** Sample i's decode time from `start`, read from the stts runs. */
  readonly timeAt: (start: number) => (i: number) => number;
  /** The sync samples' indexes, ascending, when stss lists them so. */
  readonly syncs?: Uint32Array;
}

// A moov's table decodes its decode times (moved or not) and a range of samples' sizes, durations,
// offsets and composition offsets from its boxes; a table moved onto the presentation timeline
// keeps them, its times moved.
const decoders = new WeakMap<SampleTable, RangeDecoders & TimeDecoders>();

/** Samples [start, end)'s sizes, durations, offsets or composition offsets (index 0 is `start`): a
 * moov's read for them alone, into an array the table keeps, unless its whole table is decoded
 * (tables/entries.ts onDemand). Valid until the next call for the same table and field: a walk
 * through the segments (spans, bit rates, the index) reads one segment at a time. */
export function samplesIn<F extends RangeField>(table: SampleTable, field: F, start: number, end: number): SampleTable[F] {
  const decode = decoders.get(table)?.[field] as ((start: number, end: number) => SampleTable[F]) | undefined;
  return decode ? decode(start, end) : (table[field].subarray(start, end) as SampleTable[F]);
}

/** A track's decode times read one at a time, and whether they never go back. */
export interface DecodeTimeReader {
  /** Sample i's decode time, 0 ≤ i < count. */
  readonly at: (i: number) => number;
  readonly neverBack: boolean;
  /** All of them, decoded when first asked for. */
  readonly all: () => Float64Array;
}

// A moov's decode times read from its stts runs, never decoded whole for it (a media playlist's
// plan reads a few thousand of a film's 540,000: formats/mp42hls/interleave.ts); another table's
// (fragments, extracts) from its array.
export function decodeTimesOf(table: SampleTable): DecodeTimeReader {
  const timeAt = decoders.get(table)?.timeAt;
  return timeAt ? { at: timeAt(0), neverBack: true, all: () => table.decodeTimes } : timesReader(table.decodeTimes);
}

/** A moov's sync samples' indexes, ascending (stss), when known: another table's are its flags alone. */
export const syncSamplesOf = (table: SampleTable): Uint32Array | undefined => decoders.get(table)?.syncs;

/** Decode times read from their array. */
export const timesReader = (times: Float64Array): DecodeTimeReader => ({
  at: (i) => times[i],
  neverBack: neverBack(times),
  all: () => times,
});

// Another table's decode times moved by `add` ticks (fragments); a moov's decoded so from its stts.
function movedDecodeTimes(table: SampleTable, add: number): Float64Array {
  const decode = decoders.get(table)?.times;
  if (decode) return decode(add);
  const times = table.decodeTimes;
  const moved = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) moved[i] = times[i] + add;
  return moved;
}

// A plain loop (into a new array unless given one): a typed array's map calls its callback per
// sample, ~5 ms over a 2-hour film's 540k samples on a process's first call.
function plus(values: Int32Array, add: number, made = new Int32Array(values.length)): Int32Array {
  for (let i = 0; i < values.length; i++) made[i] = values[i] + add;
  return made;
}

// A range of composition offsets moved, into an array of its own: the table's range may be its
// whole table's, which stays as it is.
function movedRange(range: (start: number, end: number) => Int32Array, add: number): (start: number, end: number) => Int32Array {
  const into = scratch((length) => new Int32Array(length));
  return (start, end) => {
    const values = range(start, end);
    return plus(values, add, into(values.length).subarray(0, values.length));
  };
}

/** How a table moves onto the presentation timeline (mp4/timeline/presentation.ts), in its ticks. */
interface TimeShift {
  readonly decodeEnd: number;
  /** Added to every decode time. */
  readonly decode: number;
  /** Added to every composition offset. */
  readonly composition: number;
}

// The table with its decode times and composition offsets moved, each decoded moved when first
// read (a moov's decode times from its stts: its own are never decoded), its other tables still
// read when first needed: a spread would read them at once.
export function withTimes(table: SampleTable, shift: TimeShift): SampleTable {
  let [times, offsets]: [Float64Array?, Int32Array?] = [];
  const changes: PropertyDescriptorMap = { decodeEnd: { value: shift.decodeEnd, enumerable: true } };
  if (shift.decode !== 0) changes.decodeTimes = { get: () => (times ??= movedDecodeTimes(table, shift.decode)), enumerable: true };
  if (shift.composition !== 0)
    changes.compositionOffsets = { get: () => (offsets ??= plus(table.compositionOffsets, shift.composition)), enumerable: true };
  const moved = Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(table), ...changes }) as SampleTable;
  const own = decoders.get(table);
  if (own)
    decoders.set(moved, {
      ...own,
      times: (start) => own.times(start + shift.decode),
      timeAt: (start) => own.timeAt(start + shift.decode),
      compositionOffsets: shift.composition === 0 ? own.compositionOffsets : movedRange(own.compositionOffsets, shift.composition),
    });
  // Moved offsets' range is found by offsetRange's loop: the range kept is bounded by 0 (OffsetRange).
  const range = offsetRanges.get(table);
  if (range && shift.composition === 0) offsetRanges.set(moved, range);
  return moved;
}
