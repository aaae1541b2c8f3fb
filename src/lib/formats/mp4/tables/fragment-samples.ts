// A fragmented movie's samples gathered into one sample table per track (ISO/IEC 14496-12
// §8.8): the moov's own samples, then every moof's in file order, with their decode times, sizes,
// file offsets, key flags and composition offsets. Its moov then says what a progressive file's
// would, so the presentation timeline (../timeline/presentation.ts) can apply its edit lists, which
// mp42hls ignores, before the whole-file run (packaging/source/timeline-source.ts).
import { childrenOf, findBox, fullBoxOf, type BoxHeader } from '../boxes.js';
import { i32, u32, u64 } from '../byte-reader.js';
import { Mp4FormatError } from '../errors.js';
import type { Movie, Track } from '../moov.js';
import { MAX_SAMPLES_PER_TRACK } from './sizes.js';

// §8.8.3.1 sample_is_non_sync_sample.
const NON_SYNC = 0x10000;

interface Defaults {
  readonly descriptionIndex: number;
  readonly duration: number;
  readonly size: number;
  readonly flags: number;
}

// Per track, the samples in the order they come, as plain arrays until the end.
interface Gathered {
  decodeTimes: number[];
  durations: number[];
  sizes: number[];
  offsets: number[];
  sync: number[];
  compositionOffsets: number[];
  next: number;
  descriptionIndexes: Set<number>;
}

// trex (§8.8.3): u32 track_ID; u32 default_sample_description_index; u32 default_sample_duration;
// u32 default_sample_size; u32 default_sample_flags.
function trexDefaults(moov: Uint8Array): Map<number, Defaults> {
  const defaults = new Map<number, Defaults>();
  const mvex = findBox(moov, ['moov', 'mvex']);
  for (const trex of mvex ? childrenOf(moov, mvex) : []) {
    if (trex.type !== 'trex') continue;
    const { body } = fullBoxOf(moov, trex);
    defaults.set(u32(moov, body), {
      descriptionIndex: u32(moov, body + 4),
      duration: u32(moov, body + 8),
      size: u32(moov, body + 12),
      flags: u32(moov, body + 16),
    });
  }
  return defaults;
}

// tfhd (§8.8.7): u32 track_ID; then, by flags, u64 base_data_offset (0x1), u32
// sample_description_index (0x2), u32 default_sample_duration (0x8), u32 default_sample_size
// (0x10), u32 default_sample_flags (0x20); 0x20000 default-base-is-moof.
// tfdt (§8.8.12): u32 or u64 (version 1) baseMediaDecodeTime.
// trun (§8.8.8): u32 sample_count; i32 data_offset (0x1); u32 first_sample_flags (0x4); per sample
// u32 duration (0x100), u32 size (0x200), u32 flags (0x400), composition offset (0x800, read as
// signed in either version, as sample-tables.ts reads ctts). Without data_offset a trun's data
// follows the previous trun's; a traf without an explicit base and not the moof's first starts
// where the previous traf's data ended (§8.8.7.1).
function addTraf(
  bytes: Uint8Array,
  moofOffset: number,
  traf: BoxHeader,
  base: number,
  tracks: Map<number, Gathered>,
  trex: Map<number, Defaults>,
): number {
  const tfhd = findBox(bytes, ['tfhd'], traf);
  if (!tfhd) return base; // nothing to read, as fragments.ts skips it
  const head = fullBoxOf(bytes, tfhd);
  const trackId = u32(bytes, head.body);
  // A track the moov does not declare (mp42hls leaves it out too): its data still ends where the next traf's may start.
  const into = tracks.get(trackId) ?? empty();
  const fallback = trex.get(trackId) ?? { descriptionIndex: 1, duration: 0, size: 0, flags: 0 };
  let at = head.body + 4;
  const field = (flag: number, width: 4 | 8, otherwise: number) => {
    if (!(head.flags & flag)) return otherwise;
    const value = width === 8 ? u64(bytes, at) : u32(bytes, at);
    at += width;
    return value;
  };
  const trafBase = field(0x1, 8, head.flags & 0x20000 ? moofOffset : base);
  let dataAt = trafBase;
  into.descriptionIndexes.add(field(0x2, 4, fallback.descriptionIndex));
  const duration = field(0x8, 4, fallback.duration);
  const size = field(0x10, 4, fallback.size);
  const flags = field(0x20, 4, fallback.flags);
  const tfdt = findBox(bytes, ['tfdt'], traf);
  if (tfdt) {
    const { version, body } = fullBoxOf(bytes, tfdt);
    into.next = version === 1 ? u64(bytes, body) : u32(bytes, body);
  }
  for (const trun of childrenOf(bytes, traf)) {
    if (trun.type !== 'trun') continue;
    const run = fullBoxOf(bytes, trun);
    const count = u32(bytes, run.body);
    if (into.sizes.length + count > MAX_SAMPLES_PER_TRACK)
      throw new Mp4FormatError(`track ${trackId} has more samples than casterpak reads`);
    let p = run.body + 4;
    if (run.flags & 0x1) dataAt = trafBase + i32(bytes, (p += 4) - 4);
    const first = run.flags & 0x4 ? u32(bytes, (p += 4) - 4) : undefined;
    for (let i = 0; i < count; i++) {
      const d = run.flags & 0x100 ? u32(bytes, (p += 4) - 4) : duration;
      const s = run.flags & 0x200 ? u32(bytes, (p += 4) - 4) : size;
      const f = run.flags & 0x400 ? u32(bytes, (p += 4) - 4) : i === 0 && first !== undefined ? first : flags;
      const c = run.flags & 0x800 ? i32(bytes, (p += 4) - 4) : 0;
      into.decodeTimes.push(into.next);
      into.durations.push(d);
      into.sizes.push(s);
      into.offsets.push(dataAt);
      into.sync.push(f & NON_SYNC ? 0 : 1);
      into.compositionOffsets.push(c);
      into.next += d;
      dataAt += s;
    }
  }
  return dataAt;
}

/** A moof's bytes and where it lies in the file. */
interface Fragment {
  readonly bytes: Uint8Array;
  readonly offset: number;
}

const empty = (): Gathered => ({
  decodeTimes: [],
  durations: [],
  sizes: [],
  offsets: [],
  sync: [],
  compositionOffsets: [],
  next: 0,
  descriptionIndexes: new Set(),
});

function gathered(track: Track): Gathered {
  const t = track.samples;
  const last = t.count - 1;
  return {
    decodeTimes: [...t.decodeTimes],
    durations: [...t.durations],
    sizes: [...t.sizes],
    offsets: [...t.offsets],
    sync: [...t.sync],
    compositionOffsets: [...t.compositionOffsets],
    next: t.count > 0 ? t.decodeTimes[last] + t.durations[last] : 0,
    descriptionIndexes: new Set(t.sampleDescriptionIndexes),
  };
}

// The movie as if unfragmented: every track's samples, `fragmented` false, the moov bytes (and
// the trak and mvhd ranges into them) its own. `moofs` in file order.
export function withFragmentSamples(moov: Uint8Array, movie: Movie, moofs: Iterable<Fragment>): Movie {
  const trex = trexDefaults(moov);
  const tracks = new Map(movie.tracks.map((t) => [t.id, gathered(t)]));
  for (const moof of moofs) {
    const box = findBox(moof.bytes, ['moof']);
    let base = moof.offset;
    for (const traf of box ? childrenOf(moof.bytes, box) : [])
      if (traf.type === 'traf') base = addTraf(moof.bytes, moof.offset, traf, base, tracks, trex);
  }
  return {
    ...movie,
    fragmented: false,
    tracks: movie.tracks.map((track) => {
      const g = tracks.get(track.id)!;
      return {
        ...track,
        samples: {
          count: g.sizes.length,
          decodeTimes: Float64Array.from(g.decodeTimes),
          decodeEnd: g.sizes.length > 0 ? g.decodeTimes[g.sizes.length - 1] + g.durations[g.sizes.length - 1] : 0,
          durations: Uint32Array.from(g.durations),
          sizes: Uint32Array.from(g.sizes),
          totalBytes: g.sizes.reduce((sum, size) => sum + size, 0),
          offsets: Float64Array.from(g.offsets),
          sync: Uint8Array.from(g.sync),
          compositionOffsets: Int32Array.from(g.compositionOffsets),
          sampleDescriptionIndexes: [...g.descriptionIndexes].sort((a, b) => a - b),
        },
      };
    }),
  };
}
