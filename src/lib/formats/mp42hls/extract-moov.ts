// The `moov` of a one-segment extract: the original mvhd, each used track's trak with its
// original boxes and stsd but empty sample tables, and an mvex announcing movie fragments
// (ISO/IEC 14496-12 §8.8.1). The samples themselves go in the extract's single moof.
import { box, concat, fullBox, uint32 } from '../mp4/box-writer.js';
import { boxEnd, childBoxes, payloadStart, readBoxHeader, type BoxHeader } from '../mp4/boxes.js';
import type { Movie, Track } from '../mp4/moov.js';

const CONTAINERS = new Set(['trak', 'mdia', 'minf', 'stbl']);

// Empty tables keep the trak valid while every sample comes from the fragment.
//   stts, stsc, stco: u32 entry_count = 0;  stsz: u32 sample_size = 0; u32 sample_count = 0
function emptyTables(): Uint8Array[] {
  return [
    fullBox('stts', 0, 0, [uint32(0)]),
    fullBox('stsc', 0, 0, [uint32(0)]),
    fullBox('stsz', 0, 0, [uint32(0), uint32(0)]),
    fullBox('stco', 0, 0, [uint32(0)]),
  ];
}

// Every box but stbl's tables and the edit list is kept (stss, ctts, sgpd, ... dropped too): the fragment carries the samples.
function rewrite(moov: Uint8Array, node: BoxHeader): Uint8Array {
  const children = [...childBoxes(moov, payloadStart(node), boxEnd(node))];
  if (node.type === 'stbl') {
    const stsd = children.filter((c) => c.type === 'stsd').map((c) => moov.subarray(c.offset, boxEnd(c)));
    return box('stbl', [...stsd, ...emptyTables()]);
  }
  // The edit list is already applied to the fragment's times (mp4/timeline/presentation.ts).
  const kept = node.type === 'trak' ? children.filter((c) => c.type !== 'edts') : children;
  const parts = kept.map((c) => (CONTAINERS.has(c.type) ? rewrite(moov, c) : moov.subarray(c.offset, boxEnd(c))));
  return box(node.type, parts);
}

// Layout of trex (§8.8.3): u32 track_ID; u32 default_sample_description_index;
// u32 default_sample_duration; u32 default_sample_size; u32 default_sample_flags.
function trex(track: Track, descriptionIndex: number): Uint8Array {
  return fullBox('trex', 0, 0, [uint32(track.id), uint32(descriptionIndex), uint32(0), uint32(0), uint32(0)]);
}

// `tracks` in movie order, as mp42hls picks tracks by their order; each with its sample description index.
export function buildExtractMoov(
  moovBytes: Uint8Array,
  movie: Movie,
  tracks: readonly { readonly track: Track; readonly descriptionIndex: number }[],
): Uint8Array {
  const mvhd = moovBytes.subarray(movie.mvhd.offset, movie.mvhd.offset + movie.mvhd.size);
  const ordered = [...tracks].sort((x, y) => x.track.trak.offset - y.track.trak.offset);
  const traks = ordered.map(({ track }) => rewrite(moovBytes, readBoxHeader(moovBytes, track.trak.offset)));
  const mvex = box(
    'mvex',
    ordered.map(({ track, descriptionIndex }) => trex(track, descriptionIndex)),
  );
  return box('moov', [concat([mvhd]), ...traks, mvex]);
}
