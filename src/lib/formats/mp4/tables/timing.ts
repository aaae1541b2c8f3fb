// Decode times, durations, composition offsets and sync flags per sample, each table decoded in
// one loop straight into its typed array (ISO/IEC 14496-12 §8.6.1, §8.6.2).
import { Mp4FormatError } from '../errors.js';
import { be32, be32s, entries, tableBox, type StblBoxes } from './entries.js';

// stts (§8.6.1.2): u32 entry_count; {u32 sample_count; u32 sample_delta}.
export function timing(bytes: Uint8Array, boxes: StblBoxes, count: number): { decodeTimes: Float64Array; durations: Uint32Array } {
  const stts = entries(bytes, tableBox(boxes, 'stts'), 4, 8);
  const decodeTimes = new Float64Array(count);
  const durations = new Uint32Array(count);
  let sample = 0;
  let time = 0;
  for (let e = 0, at = stts.at; e < stts.count && sample < count; e++, at += 8) {
    const end = Math.min(sample + be32(bytes, at), count);
    const delta = be32(bytes, at + 4);
    durations.fill(delta, sample, end);
    for (; sample < end; sample++) {
      decodeTimes[sample] = time;
      time += delta;
    }
  }
  if (sample < count) throw new Mp4FormatError(`stts covers ${sample} of ${count} samples`);
  if (time > Number.MAX_SAFE_INTEGER) throw new Mp4FormatError('decode times beyond 2^53');
  return { decodeTimes, durations };
}

// Without stss every sample is a sync sample: u32 entry_count; u32 sample_number (1-based) × entry_count.
export function syncFlags(bytes: Uint8Array, boxes: StblBoxes, count: number): Uint8Array {
  const box = boxes.get('stss');
  if (!box) return new Uint8Array(count).fill(1);
  const sync = new Uint8Array(count);
  const stss = entries(bytes, box, 4, 4);
  for (let e = 0, at = stss.at; e < stss.count; e++, at += 4) {
    const n = be32(bytes, at);
    if (n < 1 || n > count) throw new Mp4FormatError(`stss names sample ${n} of ${count}`);
    sync[n - 1] = 1;
  }
  return sync;
}

// Without ctts composition equals decode time (§8.6.1.3): u32 entry_count; {u32 sample_count;
// version 0: u32 sample_offset | version 1: i32 sample_offset}; version 0 values too are read
// as signed 32 bits, as Bento4 does.
export function compositionOffsets(bytes: Uint8Array, boxes: StblBoxes, count: number): Int32Array {
  const out = new Int32Array(count);
  const box = boxes.get('ctts');
  if (!box) return out;
  const ctts = entries(bytes, box, 4, 8);
  let sample = 0;
  for (let e = 0, at = ctts.at; e < ctts.count && sample < count; e++, at += 8) {
    const run = Math.min(be32(bytes, at), count - sample);
    const offset = be32s(bytes, at + 4);
    if (run === 1) out[sample] = offset;
    else out.fill(offset, sample, sample + run);
    sample += run;
  }
  if (sample < count) throw new Mp4FormatError(`ctts covers ${sample} of ${count} samples`);
  return out;
}
