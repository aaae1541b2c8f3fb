// Per-sample arrays from a track's sample table (ISO/IEC 14496-12 §8.6, §8.7), in typed arrays
// so a two-hour film (~540k samples) costs ~16 MB. Every count is checked against its box size
// before anything is allocated; the decoders are in tables/ (one loop per table, no per-sample
// objects).
import type { BoxHeader } from './boxes.js';
import { stblBoxes } from './tables/entries.js';
import { sampleOffsets } from './tables/offsets.js';
import { MAX_SAMPLES_PER_TRACK, sampleSizes, totalSize } from './tables/sizes.js';
import { compositionOffsets, syncFlags, timing } from './tables/timing.js';

export { MAX_SAMPLES_PER_TRACK, totalSize };

// Per-sample facts in typed arrays (index i is sample i + 1): a long film has millions of samples.
export interface SampleTable {
  readonly count: number;
  /** Decode time in track timescale units (exact below 2^53). */
  readonly decodeTimes: Float64Array;
  readonly durations: Uint32Array;
  readonly sizes: Uint32Array;
  /** Absolute file offsets (exact below 2^53); a moov's are walked when first read (tables/offsets.ts). */
  readonly offsets: Float64Array;
  /** 1 for a sync sample; all 1 without stss. */
  readonly sync: Uint8Array;
  /** ctts offsets; version 0 values too are read as signed 32 bits, as Bento4 does. Zeros without ctts. */
  readonly compositionOffsets: Int32Array;
  /** Distinct sample_description_index values that samples use (stsc), ascending. */
  readonly sampleDescriptionIndexes: readonly number[];
}

// Planning and extracting read every table of a track, so they are parsed together once; the
// offsets only when first read (tables/offsets.ts): `offsets` is a getter, which withTimes keeps.
export function parseSampleTable(bytes: Uint8Array, stbl: BoxHeader): SampleTable {
  const boxes = stblBoxes(bytes, stbl);
  const sizes = sampleSizes(bytes, boxes);
  const count = sizes.length;
  const { decodeTimes, durations } = timing(bytes, boxes, count);
  const { offsets, indexes } = sampleOffsets(bytes, boxes, sizes);
  return {
    count,
    decodeTimes,
    durations,
    sizes,
    get offsets() {
      return offsets();
    },
    sync: syncFlags(bytes, boxes, count),
    compositionOffsets: compositionOffsets(bytes, boxes, count),
    sampleDescriptionIndexes: indexes,
  };
}

// The table with other decode times and composition offsets (mp4/timeline/presentation.ts), its
// offsets still read when first needed: a spread would read them at once.
export function withTimes(table: SampleTable, times: Pick<SampleTable, 'decodeTimes' | 'compositionOffsets'>): SampleTable {
  return Object.defineProperties(
    {},
    { ...Object.getOwnPropertyDescriptors(table), ...Object.getOwnPropertyDescriptors(times) },
  ) as SampleTable;
}
