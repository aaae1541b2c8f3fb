// Per-sample arrays from a track's sample table (ISO/IEC 14496-12 §8.6, §8.7), in typed arrays
// so a two-hour film (~540k samples) costs ~16 MB. Every count is checked against its box size
// before anything is allocated; the decoders are in tables/ (one loop per table, no per-sample
// objects).
import type { BoxHeader } from './boxes.js';
import { stblBoxes } from './tables/entries.js';
import { sampleOffsets } from './tables/offsets.js';
import { MAX_SAMPLES_PER_TRACK, sampleSizes } from './tables/sizes.js';
import { compositionOffsets, syncFlags, timing } from './tables/timing.js';

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
  /** ctts offsets; version 0 values too are read as signed 32 bits, as Bento4 does. Zeros without ctts. */
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
  const { decodeTimes, decodeEnd, durations } = timing(bytes, boxes, count);
  const { offsets, indexes } = sampleOffsets(bytes, boxes, sizes);
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
    compositionOffsets: compositionOffsets(bytes, boxes, count),
    sampleDescriptionIndexes: indexes,
  };
  timeDecoders.set(table, decodeTimes);
  return table;
}

// A moov's decode times moved by `add` ticks, decoded so from its stts: its own are not decoded
// first (a moved track never reads them). Another table's (fragments) have `add` added.
const timeDecoders = new WeakMap<SampleTable, (start: number) => Float64Array>();
export function movedDecodeTimes(table: SampleTable, add: number): Float64Array {
  const decode = timeDecoders.get(table);
  if (decode) return decode(add);
  const times = table.decodeTimes;
  const moved = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) moved[i] = times[i] + add;
  return moved;
}

// The table with other decode times and composition offsets (mp4/timeline/presentation.ts), its
// sizes, durations and offsets still read when first needed: a spread would read them at once.
export function withTimes(table: SampleTable, times: Pick<SampleTable, 'decodeTimes' | 'decodeEnd' | 'compositionOffsets'>): SampleTable {
  return Object.defineProperties(
    {},
    { ...Object.getOwnPropertyDescriptors(table), ...Object.getOwnPropertyDescriptors(times) },
  ) as SampleTable;
}
