// The extract of a derived rendition's segment (docs/renditions.md): the source segment's
// extract with its video samples replaced by ffmpeg's encode of them. The audio samples, the
// source's times and everything else stay, so mp42hls packages it into a segment with the
// source's boundaries, timestamps and audio bytes, checked like any other.
import { box, concat } from '../mp4/box-writer.js';
import { boxEnd, childBoxes, payloadStart, readBoxHeader, requireBox, type BoxHeader } from '../mp4/boxes.js';
import { Mp4FormatError } from '../mp4/errors.js';
import { parseMoov, trackHeader, type Track } from '../mp4/moov.js';
import type { SampleSlice } from './extract.js';

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);
const FIXED_ONE = 0x00010000;

// The encoder's output (a plain MP4 of one video track): its track and sample bytes.
export interface EncodedVideo {
  readonly track: Track;
  readonly stsd: Uint8Array;
  readonly bytes: Uint8Array;
}

export function readEncodedVideo(bytes: Uint8Array): EncodedVideo {
  const moovBox = [...childBoxes(bytes, 0, bytes.length)].find((b) => b.type === 'moov');
  if (!moovBox) throw new Mp4FormatError('the encoded segment has no moov');
  const moov = bytes.subarray(moovBox.offset, boxEnd(moovBox));
  const movie = parseMoov(moov);
  const track = movie.tracks.find((t) => t.handler === 'vide');
  if (!track || movie.tracks.length !== 1)
    throw new Mp4FormatError(`the encoded segment has ${movie.tracks.length} tracks, not one video track`);
  const stsd = requireBox(moov, ['mdia', 'minf', 'stbl', 'stsd'], readBoxHeader(moov, track.trak.offset));
  return { track, stsd: moov.subarray(stsd.offset, boxEnd(stsd)), bytes };
}

// tkhd (§8.3.2) with the identity matrix (the encoder drew the picture upright) and the
// encoded size; the fixed part before the matrix is 20 bytes (version 0) or 32 (version 1)
// plus 16 bytes of reserved, layer, alternate_group, volume and reserved.
function uprightTkhd(header: Uint8Array, tkhd: BoxHeader, width: number, height: number): Uint8Array {
  // A copy: `header` may be a Buffer (the segment index's, shared by every segment), whose
  // slice() is a view, and writing through it would turn every later segment's source upright.
  const out = Uint8Array.prototype.slice.call(header, tkhd.offset, boxEnd(tkhd));
  const version = out[tkhd.headerSize];
  const matrixAt = tkhd.headerSize + 4 + (version === 1 ? 32 : 20) + 16;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  [FIXED_ONE, 0, 0, 0, FIXED_ONE, 0, 0, 0, 0x40000000].forEach((v, i) => dv.setUint32(matrixAt + 4 * i, v));
  dv.setUint32(matrixAt + 36, width * FIXED_ONE);
  dv.setUint32(matrixAt + 40, height * FIXED_ONE);
  return out;
}

// Only the video trak's tkhd and stsd change: every other box is kept, so audio stays as the source's.
export function deriveExtractHeader(header: Uint8Array, videoTrackId: number, encoded: EncodedVideo): Uint8Array {
  const walk = (node: BoxHeader, inVideo: boolean): Uint8Array => {
    const parts: Uint8Array[] = [];
    for (const child of childBoxes(header, payloadStart(node), boxEnd(node))) {
      const video = inVideo || (child.type === 'trak' && trackHeader(header, requireBox(header, ['tkhd'], child)).id === videoTrackId);
      if (video && child.type === 'tkhd') parts.push(uprightTkhd(header, child, encoded.track.width ?? 0, encoded.track.height ?? 0));
      else if (video && child.type === 'stsd') parts.push(encoded.stsd);
      else if (CONTAINERS.has(child.type)) parts.push(walk(child, video));
      else parts.push(header.subarray(child.offset, boxEnd(child)));
    }
    return box(node.type, parts);
  };
  return concat(
    [...childBoxes(header, 0, header.length)].map((top) =>
      top.type === 'moov' ? walk(top, false) : header.subarray(top.offset, boxEnd(top)),
    ),
  );
}

// The encoded frames keep the source's times. The encoder runs without B-frames and
// passes every frame through (one out per one in, in presentation order), so frame k is shown
// at the source's k-th presentation time. It keeps the source's k-th decode time too: mp42hls
// interleaves and ends tracks by decode time, so the segment is cut exactly as the source's.
// A k-th presentation time is never before the k-th decode time (k+1 frames are shown by then,
// each decoded no later), so the composition offsets stay non-negative.
export function derivedVideoSlice(source: SampleSlice, encoded: EncodedVideo, encodedAt: number): SampleSlice {
  const count = source.sizes.length;
  const s = encoded.track.samples;
  if (s.count !== count) throw new Mp4FormatError(`the encoder wrote ${s.count} frames for ${count}`);
  if (count === 0 || !s.sync[0]) throw new Mp4FormatError('the encoded segment does not start with a key frame');
  if (s.compositionOffsets.some((c) => c !== 0)) throw new Mp4FormatError('the encoded segment reorders frames (B-frames)');
  const decodeTimes = new Float64Array(count);
  const shown = new Float64Array(count);
  for (let i = 0, decode = source.baseDecodeTime; i < count; decode += source.durations[i], i++) {
    decodeTimes[i] = decode;
    shown[i] = decode + source.compositionOffsets[i];
  }
  shown.sort();
  return {
    trackId: source.trackId,
    descriptionIndex: 1,
    baseDecodeTime: source.baseDecodeTime,
    durations: source.durations,
    sizes: s.sizes,
    sync: s.sync,
    compositionOffsets: Int32Array.from(shown, (t, i) => t - decodeTimes[i]),
    offsets: s.offsets.map((o) => o + encodedAt),
  };
}
