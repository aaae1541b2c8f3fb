// Decode times, durations, composition offsets and sync flags per sample, each table decoded in
// one loop straight into its typed array (ISO/IEC 14496-12 §8.6.1, §8.6.2).
import { Mp4FormatError } from '../errors.js';
import { be32, entries, lastNotAbove, onDemand, tableBox, viewOf, type StblBoxes } from './entries.js';

// stts (§8.6.1.2): u32 entry_count; {u32 sample_count; u32 sample_delta}. Checked here, decoded
// on a call: the decode times from `start` (a table's own from 0, or moved onto the presentation
// timeline, timeline/presentation.ts, without its own decoded first), the durations once (a media
// playlist reads none of them, only where the track ends), or those of a few samples alone.
export function timing(
  bytes: Uint8Array,
  boxes: StblBoxes,
  count: number,
): {
  decodeTimes: (start: number) => Float64Array;
  /** Sample i's decode time from `start`, read from the stts runs (timeAt). */
  decodeTimeAt: (start: number) => (i: number) => number;
  decodeEnd: number;
  durations: () => Uint32Array;
  durationsIn: (start: number, end: number) => Uint32Array;
} {
  const stts = entries(bytes, tableBox(boxes, 'stts'), 4, 8);
  // Each entry's run within the count, one call a run.
  const runs = (each: (first: number, end: number, delta: number) => void) => {
    let first = 0;
    for (let e = 0, at = stts.at; e < stts.count && first < count; e++, at += 8) {
      const end = Math.min(first + be32(bytes, at), count);
      each(first, end, be32(bytes, at + 4));
      first = end;
    }
    return first;
  };
  let decodeEnd = 0;
  const covered = runs((first, end, delta) => (decodeEnd += (end - first) * delta));
  if (covered < count) throw new Mp4FormatError(`stts covers ${covered} of ${count} samples`);
  if (decodeEnd > Number.MAX_SAFE_INTEGER) throw new Mp4FormatError('decode times beyond 2^53');
  const decodeTimes = (start: number) => {
    const times = new Float64Array(count);
    let time = start;
    runs((first, end, delta) => {
      // A local in the loop: the closure's own variable would be written to memory per sample.
      let t = time;
      for (let i = first; i < end; i++, t += delta) times[i] = t;
      time = t;
    });
    return times;
  };
  const { all, range } = onDemand(count, runReader(bytes, stts), (length) => new Uint32Array(length));
  return { decodeTimes, decodeTimeAt: (start) => timeAt(runs, start), decodeEnd, durations: all, durationsIn: range };
}

// A film's stts is a few runs (one at a constant frame rate): sample i's decode time is its run's
// first time plus whole deltas, the run found by a binary search over the runs' first samples
// (none when i is in the run read last: the plan reads ascending). No array of the samples' times
// is made: the plan reads them at sync samples and in binary searches (formats/mp42hls/interleave.ts).
function timeAt(runs: (each: (first: number, end: number, delta: number) => void) => number, start: number): (i: number) => number {
  const [firsts, times, deltas]: number[][] = [[], [], []];
  let time = start;
  const covered = runs((first, end, delta) => {
    if (end === first) return;
    firsts.push(first);
    times.push(time);
    deltas.push(delta);
    time += (end - first) * delta;
  });
  firsts.push(covered); // past the last run
  let run = 0;
  return (i) => {
    if (i < firsts[run] || i >= firsts[run + 1]) run = lastNotAbove(firsts, deltas.length, i);
    return times[run] + (i - firsts[run]) * deltas[run];
  };
}

// Without stss every sample is a sync sample: u32 entry_count; u32 sample_number (1-based) × entry_count.
// Also the sync samples' indexes in order, when stss lists them so (§8.6.2.1 has them in strictly
// increasing order): the plan visits them alone (formats/mp42hls/interleave.ts).
export function syncSamples(bytes: Uint8Array, boxes: StblBoxes, count: number): { flags: Uint8Array; list?: Uint32Array } {
  const box = boxes.get('stss');
  if (!box) return { flags: new Uint8Array(count).fill(1) };
  const flags = new Uint8Array(count);
  const stss = entries(bytes, box, 4, 4);
  const list = new Uint32Array(stss.count);
  let ascending = true;
  for (let e = 0, at = stss.at; e < stss.count; e++, at += 4) {
    const n = be32(bytes, at);
    if (n < 1 || n > count) throw new Mp4FormatError(`stss names sample ${n} of ${count}`);
    flags[n - 1] = 1;
    list[e] = n - 1;
    if (e > 0 && list[e] <= list[e - 1]) ascending = false;
  }
  return ascending ? { flags, list } : { flags };
}

// Decode times that never go back (as a muxer writes them), checked once per array: a moov's,
// decoded from stts (its deltas are unsigned), are known to (sample-tables.ts decodeTimesOf).
const nonDecreasing = new WeakMap<Float64Array, boolean>();
export function neverBack(times: Float64Array): boolean {
  let known = nonDecreasing.get(times);
  if (known === undefined) {
    known = true;
    for (let i = 1; i < times.length && known; i++) known = times[i] >= times[i - 1];
    nonDecreasing.set(times, known);
  }
  return known;
}

/** The lowest and largest composition offset of a track (0 when none is lower, or higher). */
export interface OffsetRange {
  readonly lowest: number;
  readonly largest: number;
}

// Without ctts composition equals decode time (§8.6.1.3): u32 entry_count; {u32 sample_count;
// version 0: u32 sample_offset | version 1: i32 sample_offset}; version 0 values too are read
// as signed 32 bits, as Bento4 does. Checked, and their range known, from the entries (a film's
// offsets are far fewer runs than samples); decoded whole on the first call of `offsets`, a
// range alone from the runs (`offsetsIn`).
export function compositionOffsets(
  bytes: Uint8Array,
  boxes: StblBoxes,
  count: number,
): { offsets: () => Int32Array; offsetsIn: (start: number, end: number) => Int32Array; range: OffsetRange } {
  const box = boxes.get('ctts');
  const make = (length: number) => new Int32Array(length);
  if (!box) {
    const { all, range } = onDemand(count, (start, end, into) => into.fill(0, 0, end - start), make);
    return { offsets: all, offsetsIn: range, range: { lowest: 0, largest: 0 } };
  }
  const ctts = entries(bytes, box, 4, 8);
  // A loop before the answer, in code not yet optimised in a process's first long films (167,000
  // entries in a 2-hour film's video): comparisons, not Math.min and Math.max calls, and no clamp
  // of a run to the count, which changes neither which runs count nor the check after the loop
  // (half the time unoptimised: docs/benchmarks.md, "Cold path, eleventh round").
  let lowest = 0;
  let largest = 0;
  let covered = 0;
  const view = viewOf(bytes);
  for (let at = ctts.at, end = ctts.at + 8 * ctts.count; at < end && covered < count; at += 8) {
    const run = view.getUint32(at);
    if (run === 0) continue;
    const offset = view.getInt32(at + 4);
    if (offset < lowest) lowest = offset;
    else if (offset > largest) largest = offset;
    covered += run;
  }
  if (covered < count) throw new Mp4FormatError(`ctts covers ${covered} of ${count} samples`);
  const { all, range } = onDemand(count, runReader(bytes, ctts), make);
  return { offsets: all, offsetsIn: range, range: { lowest, largest } };
}

// Samples [start, end)'s values from a table of runs ({u32 sample_count; u32 value}: stts, ctts)
// into `into`, from the run read last when it is not past `start` (a walk through the segments
// goes forward: no run is read twice), else from the first.
function runReader<T extends Uint32Array | Int32Array>(
  bytes: Uint8Array,
  table: { count: number; at: number },
): (start: number, end: number, into: T) => void {
  // The run read last, its byte and its first sample (three statements, not a destructuring: an
  // array each in code not yet optimised).
  let e = 0;
  let at = table.at;
  let first = 0;
  return (start, end, into) => {
    if (end <= start) return;
    if (start < first) {
      e = 0;
      at = table.at;
      first = 0;
    }
    for (let i = start; ; e++, at += 8) {
      const stop = first + be32(bytes, at);
      const value = be32(bytes, at + 4); // an Int32Array stores it as signed (ctts, as Bento4 reads it)
      for (const last = Math.min(stop, end); i < last; i++) into[i - start] = value;
      // Kept on the run that holds the range's last sample: the next range starts in it or after.
      if (i >= end || e + 1 >= table.count) return;
      first = stop;
    }
  };
}
