// Edge-case MP4s made from a fixture without re-encoding: the moov's sample tables are rewritten
// (a track cut to its first N samples, or its sample durations changed) and the new moov is
// appended after the old one, which becomes a `free` box, so every sample offset stays valid.
import { box, concat, fullBox, uint32, uint64 } from '../../../../src/lib/formats/mp4/box-writer.js';
import { boxEnd, childBoxes, payloadStart, readBoxHeader, type BoxHeader } from '../../../../src/lib/formats/mp4/boxes.js';
import type { Movie, Track } from '../../../../src/lib/formats/mp4/moov.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';

export interface TrackEdit {
  /** Keep only the first `keep` samples. */
  readonly keep?: number;
  /** Give every sample this duration (track timescale units). */
  readonly duration?: number;
}

// Fresh tables, one sample per chunk, so an edit cannot leave a table disagreeing: stts, ctts, stss, stsc, stsz, co64 (§8.6, §8.7).
function tables(track: Track, edit: TrackEdit): Uint8Array[] {
  const s = track.samples;
  const n = Math.min(edit.keep ?? s.count, s.count);
  const each = (width: number, write: (dv: DataView, i: number) => void): Uint8Array => {
    const out = new Uint8Array(n * width);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < n; i++) write(dv, i);
    return out;
  };
  const stts = each(8, (dv, i) => {
    dv.setUint32(i * 8, 1);
    dv.setUint32(i * 8 + 4, edit.duration ?? s.durations[i]);
  });
  const ctts = each(8, (dv, i) => {
    dv.setUint32(i * 8, 1);
    dv.setInt32(i * 8 + 4, s.compositionOffsets[i]);
  });
  const syncs = [...s.sync.subarray(0, n)].flatMap((v, i) => (v ? [i + 1] : []));
  const out = [
    fullBox('stts', 0, 0, [uint32(n), stts]),
    fullBox('ctts', 1, 0, [uint32(n), ctts]),
    fullBox('stsc', 0, 0, [uint32(1), uint32(1), uint32(1), uint32(s.sampleDescriptionIndexes[0] ?? 1)]),
    fullBox('stsz', 0, 0, [uint32(0), uint32(n), each(4, (dv, i) => dv.setUint32(i * 4, s.sizes[i]))]),
    fullBox('co64', 0, 0, [uint32(n), concat([...s.offsets.subarray(0, n)].map(uint64))]),
  ];
  if (syncs.length < n) out.push(fullBox('stss', 0, 0, [uint32(syncs.length), ...syncs.map(uint32)]));
  return out;
}

function rewrite(moov: Uint8Array, node: BoxHeader, track: Track, edit: TrackEdit): Uint8Array {
  const parts = [...childBoxes(moov, payloadStart(node), boxEnd(node))].flatMap((c) => {
    if (node.type === 'stbl') return c.type === 'stsd' ? [moov.subarray(c.offset, boxEnd(c)), ...tables(track, edit)] : [];
    return [['mdia', 'minf', 'stbl'].includes(c.type) ? rewrite(moov, c, track, edit) : moov.subarray(c.offset, boxEnd(c))];
  });
  return box(node.type, parts);
}

// A playable variant of `file` whose tracks are edited as `edits` says (by track index).
export function editTracks(file: Uint8Array, moovOffset: number, moovBytes: Uint8Array, edits: Record<number, TrackEdit>): Uint8Array {
  const movie: Movie = parseMoov(moovBytes);
  const root = readBoxHeader(moovBytes, 0);
  const traks = movie.tracks.map((t) => t.trak.offset);
  const parts = [...childBoxes(moovBytes, payloadStart(root), boxEnd(root))].map((c) => {
    const index = traks.indexOf(c.offset);
    if (index < 0 || !edits[index]) return moovBytes.subarray(c.offset, boxEnd(c));
    return rewrite(moovBytes, c, movie.tracks[index], edits[index]);
  });
  const out = concat([file, box('moov', parts)]);
  out.set([0x66, 0x72, 0x65, 0x65], moovOffset + 4); // the old moov becomes 'free'
  return out;
}
