// How long a fragmented MP4 lasts: its moov's own samples (none with an empty moov, the first
// fragment's when a muxer puts it there) plus the sample durations of every moof (ISO/IEC
// 14496-12 §8.8). mp4info reports only the moov's, so a whole-file run's duration check needs this.
import { childrenOf, findBox, fullBoxOf, type BoxHeader } from './boxes.js';
import { i32, u32, u64 } from './byte-reader.js';
import { Mp4FormatError } from './errors.js';
import type { BoxSpan } from './top-level.js';
import type { Movie } from './moov.js';

// trex (§8.8.3): u32 track_ID; u32 default_sample_description_index; u32 default_sample_duration; ...
function trexDurations(moov: Uint8Array): Map<number, number> {
  const defaults = new Map<number, number>();
  const box = findBox(moov, ['moov', 'mvex']);
  if (!box) return defaults;
  for (const trex of childrenOf(moov, box)) {
    if (trex.type !== 'trex') continue;
    const { body } = fullBoxOf(moov, trex);
    defaults.set(u32(moov, body), u32(moov, body + 8));
  }
  return defaults;
}

// tfhd (§8.8.7): u32 track_ID; then, by flags, u64 base_data_offset (0x1), u32
// sample_description_index (0x2), u32 default_sample_duration (0x8), ...
// trun (§8.8.8): u32 sample_count; i32 data_offset (0x1); u32 first_sample_flags (0x4); per sample
// u32 duration (0x100), u32 size (0x200), u32 flags (0x400), u32 composition offset (0x800).
// A trun's data must start inside an mdat: checked where its base is known without the
// preceding traf's data (an explicit base_data_offset, or the moof's start: tfhd flag 0x20000
// or the first traf), which catches moofs whose absolute offsets went stale when boxes were
// inserted before them.
function addTraf(
  moof: Fragment,
  traf: BoxHeader,
  first: boolean,
  context: { trex: ReadonlyMap<number, number>; mdats: readonly BoxSpan[] },
  ticks: Map<number, number>,
): void {
  const { bytes } = moof;
  const tfhd = findBox(bytes, ['tfhd'], traf);
  if (!tfhd) return;
  const head = fullBoxOf(bytes, tfhd);
  const trackId = u32(bytes, head.body);
  const explicitBase = head.flags & 0x1 ? u64(bytes, head.body + 4) : undefined;
  const base = explicitBase ?? (head.flags & 0x20000 || first ? moof.offset : undefined);
  let at = head.body + 4 + (head.flags & 0x1 ? 8 : 0) + (head.flags & 0x2 ? 4 : 0);
  const fallback = head.flags & 0x8 ? u32(bytes, at) : (context.trex.get(trackId) ?? 0);
  for (const trun of childrenOf(bytes, traf)) {
    if (trun.type !== 'trun') continue;
    const { flags, body } = fullBoxOf(bytes, trun);
    const count = u32(bytes, body);
    if (flags & 0x1 && base !== undefined && count > 0) {
      const start = base + i32(bytes, body + 4);
      const inside = context.mdats.some((m) => start >= m.offset + 8 && start < m.offset + m.size);
      if (!inside)
        throw new Mp4FormatError(`the samples of track ${trackId}'s fragment at ${moof.offset} start at ${start}, outside every mdat`);
    }
    at = body + 4 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
    const stride = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
    if (at + count * stride > trun.offset + trun.size) throw new Mp4FormatError(`trun of ${count} samples overruns its box`);
    let total = flags & 0x100 ? 0 : count * fallback;
    if (flags & 0x100) for (let i = 0; i < count; i++, at += stride) total += u32(bytes, at);
    ticks.set(trackId, (ticks.get(trackId) ?? 0) + total);
  }
}

/** A moof's bytes and where it lies in the file. */
interface Fragment {
  readonly bytes: Uint8Array;
  readonly offset: number;
}

// Milliseconds of the longest track: the moov's sample tables plus every moof given; `mdats`
// are the file's mdat boxes. Throws Mp4FormatError when a fragment's samples lie outside them.
export function fragmentedDurationMs(moov: Uint8Array, movie: Movie, moofs: Iterable<Fragment>, mdats: readonly BoxSpan[]): number {
  const context = { trex: trexDurations(moov), mdats };
  const ticks = new Map<number, number>();
  for (const track of movie.tracks) {
    let total = 0;
    for (let i = 0; i < track.samples.count; i++) total += track.samples.durations[i];
    ticks.set(track.id, total);
  }
  for (const moof of moofs) {
    const box = findBox(moof.bytes, ['moof']);
    const trafs = box ? childrenOf(moof.bytes, box).filter((b) => b.type === 'traf') : [];
    trafs.forEach((traf, i) => addTraf(moof, traf, i === 0, context, ticks));
  }
  let ms = 0;
  for (const track of movie.tracks.filter((t) => t.handler === 'vide' || t.handler === 'soun'))
    ms = Math.max(ms, ((ticks.get(track.id) ?? 0) / track.timescale) * 1000);
  return Math.round(ms);
}
