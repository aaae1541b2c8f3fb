// Per-sample arrays from a track's sample table (ISO/IEC 14496-12 §8.6, §8.7), in typed arrays
// so a two-hour film (~540k samples) costs ~16 MB. Every count is checked against its box size
// before anything is allocated.
import { boxEnd, findBox, fullBoxOf, requireBox, type BoxHeader } from './boxes.js';
import { u32, u64, u8, u16, viewOf } from './byte-reader.js';
import { Mp4FormatError } from './errors.js';

// Per-sample facts in typed arrays (index i is sample i + 1): a long film has millions of samples.
export interface SampleTable {
  readonly count: number;
  /** Decode time in track timescale units (exact below 2^53). */
  readonly decodeTimes: Float64Array;
  readonly durations: Uint32Array;
  readonly sizes: Uint32Array;
  /** Absolute file offsets (exact below 2^53). */
  readonly offsets: Float64Array;
  /** 1 for a sync sample; all 1 without stss. */
  readonly sync: Uint8Array;
  /** ctts offsets; version 0 values too are read as signed 32 bits, as Bento4 does. Zeros without ctts. */
  readonly compositionOffsets: Int32Array;
  /** Distinct sample_description_index values that samples use (stsc), ascending. */
  readonly sampleDescriptionIndexes: readonly number[];
}

// A few hostile bytes can claim millions of samples (constant-size stsz, one stts run);
// refuse more than ~24 h of 60 fps video (5.2M) or 48 kHz AAC (4M) rather than allocate without bound.
export const MAX_SAMPLES_PER_TRACK = 10_000_000;

// An entry_count read from hostile bytes must fit in its box before any loop trusts it.
function entries(bytes: Uint8Array, box: BoxHeader, headerBytes: number, entryBytes: number): { count: number; at: number } {
  const { body } = fullBoxOf(bytes, box);
  const count = u32(bytes, body + headerBytes - 4, `${box.type} entry_count`);
  const at = body + headerBytes;
  if (at + count * entryBytes > boxEnd(box)) throw new Mp4FormatError(`${box.type} claims ${count} entries, box too short`);
  return { count, at };
}

// The sizes table is the one that fixes the sample count. stsz (§8.7.3.2): u32 sample_size; u32 sample_count;
// [u32 entry_size × sample_count when sample_size == 0]. stz2: u24 reserved; u8 field_size (4|8|16); u32 sample_count; packed sizes.
function sampleSizes(bytes: Uint8Array, stbl: BoxHeader): Uint32Array {
  const stsz = findBox(bytes, ['stsz'], stbl);
  const box = stsz ?? requireBox(bytes, ['stz2'], stbl);
  const { body } = fullBoxOf(bytes, box);
  const count = u32(bytes, body + 4, `${box.type} sample_count`);
  if (count > MAX_SAMPLES_PER_TRACK) throw new Mp4FormatError(`${count} samples in one track is beyond the limit`);
  const sizes = new Uint32Array(count);
  if (stsz) {
    const constant = u32(bytes, body, 'stsz sample_size');
    if (constant !== 0) return sizes.fill(constant);
    if (body + 8 + count * 4 > boxEnd(box)) throw new Mp4FormatError('stsz too short for its sample_count');
    const dv = viewOf(bytes);
    for (let i = 0; i < count; i++) sizes[i] = dv.getUint32(body + 8 + i * 4);
    return sizes;
  }
  const field = u8(bytes, body + 3, 'stz2 field_size');
  if (field !== 4 && field !== 8 && field !== 16) throw new Mp4FormatError(`stz2 field_size ${field}`);
  if (body + 8 + Math.ceil((count * field) / 8) > boxEnd(box)) throw new Mp4FormatError('stz2 too short');
  for (let i = 0; i < count; i++) {
    const at = body + 8 + Math.floor((i * field) / 8);
    sizes[i] = field === 16 ? u16(bytes, at) : field === 8 ? bytes[at] : i % 2 === 0 ? bytes[at] >> 4 : bytes[at] & 15;
  }
  return sizes;
}

// Layout of stts (§8.6.1.2): u32 entry_count; {u32 sample_count; u32 sample_delta}.
function timing(bytes: Uint8Array, stbl: BoxHeader, count: number): { decodeTimes: Float64Array; durations: Uint32Array } {
  const stts = entries(bytes, requireBox(bytes, ['stts'], stbl), 4, 8);
  const decodeTimes = new Float64Array(count);
  const durations = new Uint32Array(count);
  const dv = viewOf(bytes);
  let sample = 0;
  let time = 0;
  for (let e = 0; e < stts.count && sample < count; e++) {
    const run = Math.min(dv.getUint32(stts.at + e * 8), count - sample);
    const delta = dv.getUint32(stts.at + e * 8 + 4);
    for (let k = 0; k < run; k++, sample++) {
      decodeTimes[sample] = time;
      durations[sample] = delta;
      time += delta;
    }
  }
  if (sample < count) throw new Mp4FormatError(`stts covers ${sample} of ${count} samples`);
  if (time > Number.MAX_SAFE_INTEGER) throw new Mp4FormatError('decode times beyond 2^53');
  return { decodeTimes, durations };
}

// Without stss every sample is a sync sample (§8.6.2): u32 entry_count; u32 sample_number (1-based) × entry_count.
function syncFlags(bytes: Uint8Array, stbl: BoxHeader, count: number): Uint8Array {
  const box = findBox(bytes, ['stss'], stbl);
  if (!box) return new Uint8Array(count).fill(1);
  const sync = new Uint8Array(count);
  const stss = entries(bytes, box, 4, 4);
  const dv = viewOf(bytes);
  for (let e = 0; e < stss.count; e++) {
    const n = dv.getUint32(stss.at + e * 4);
    if (n < 1 || n > count) throw new Mp4FormatError(`stss names sample ${n} of ${count}`);
    sync[n - 1] = 1;
  }
  return sync;
}

// Without ctts composition equals decode time (§8.6.1.3): u32 entry_count; {u32 sample_count;
// version 0: u32 sample_offset | version 1: i32 sample_offset}.
function compositionOffsets(bytes: Uint8Array, stbl: BoxHeader, count: number): Int32Array {
  const out = new Int32Array(count);
  const box = findBox(bytes, ['ctts'], stbl);
  if (!box) return out;
  const ctts = entries(bytes, box, 4, 8);
  const dv = viewOf(bytes);
  let sample = 0;
  for (let e = 0; e < ctts.count && sample < count; e++) {
    const run = Math.min(dv.getUint32(ctts.at + e * 8), count - sample);
    out.fill(dv.getInt32(ctts.at + e * 8 + 4), sample, sample + run);
    sample += run;
  }
  if (sample < count) throw new Mp4FormatError(`ctts covers ${sample} of ${count} samples`);
  return out;
}

// Layout of stco (§8.7.5): u32 entry_count; u32 chunk_offset[]; co64: u64 chunk_offset[].
function chunkOffsets(bytes: Uint8Array, stbl: BoxHeader): Float64Array {
  const stco = findBox(bytes, ['stco'], stbl);
  const box = stco ?? requireBox(bytes, ['co64'], stbl);
  const width = stco ? 4 : 8;
  const list = entries(bytes, box, 4, width);
  const out = new Float64Array(list.count);
  const dv = viewOf(bytes);
  for (let i = 0; i < list.count; i++) out[i] = stco ? dv.getUint32(list.at + i * 4) : u64(bytes, list.at + i * 8);
  return out;
}

// A sample's file offset is its chunk's plus the sizes before it in that chunk. stsc (§8.7.4): u32 entry_count;
// {u32 first_chunk (1-based, increasing); u32 samples_per_chunk; u32 sample_description_index}.
function sampleOffsets(bytes: Uint8Array, stbl: BoxHeader, sizes: Uint32Array): { offsets: Float64Array; indexes: number[] } {
  const chunks = chunkOffsets(bytes, stbl);
  const stsc = entries(bytes, requireBox(bytes, ['stsc'], stbl), 4, 12);
  const count = sizes.length;
  const offsets = new Float64Array(count);
  const indexes = new Set<number>();
  let sample = 0;
  for (let e = 0; e < stsc.count && sample < count; e++) {
    const first = u32(bytes, stsc.at + e * 12);
    const next = e + 1 < stsc.count ? u32(bytes, stsc.at + (e + 1) * 12) : chunks.length + 1;
    const perChunk = u32(bytes, stsc.at + e * 12 + 4);
    if ((e === 0 && first !== 1) || first < 1 || next <= first || next > chunks.length + 1) {
      throw new Mp4FormatError(`stsc entry ${e} has first_chunk ${first} (next ${next}, ${chunks.length} chunks)`);
    }
    if (perChunk > 0) indexes.add(u32(bytes, stsc.at + e * 12 + 8));
    for (let c = first; c < next && sample < count; c++) {
      let offset = chunks[c - 1];
      for (let k = 0; k < perChunk && sample < count; k++, sample++) {
        offsets[sample] = offset;
        offset += sizes[sample];
      }
      if (offset > Number.MAX_SAFE_INTEGER) throw new Mp4FormatError('sample offsets beyond 2^53');
    }
  }
  if (sample < count) throw new Mp4FormatError(`chunks hold ${sample} of ${count} samples`);
  return { offsets, indexes: [...indexes].sort((a, b) => a - b) };
}

// Planning and extracting read every table of a track, so they are parsed together once.
export function parseSampleTable(bytes: Uint8Array, stbl: BoxHeader): SampleTable {
  const sizes = sampleSizes(bytes, stbl);
  const count = sizes.length;
  const { decodeTimes, durations } = timing(bytes, stbl, count);
  const { offsets, indexes } = sampleOffsets(bytes, stbl, sizes);
  return {
    count,
    decodeTimes,
    durations,
    sizes,
    offsets,
    sync: syncFlags(bytes, stbl, count),
    compositionOffsets: compositionOffsets(bytes, stbl, count),
    sampleDescriptionIndexes: indexes,
  };
}
