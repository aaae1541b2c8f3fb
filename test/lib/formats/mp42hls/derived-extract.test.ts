// The extract of a derived rendition's segment: the source extract's header with only the video
// trak's tkhd and stsd replaced, and ffmpeg's frames at the source's times.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  deriveExtractHeader,
  derivedVideoSlice,
  readEncodedVideo,
  type EncodedVideo,
} from '../../../../src/lib/formats/mp42hls/derived-extract.js';
import { buildExtractHeader, type SampleSlice } from '../../../../src/lib/formats/mp42hls/extract.js';
import { planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { boxEnd, childBoxes, payloadStart } from '../../../../src/lib/formats/mp4/boxes.js';
import { Mp4FormatError } from '../../../../src/lib/formats/mp4/errors.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { media, readMoov } from '../helpers/mp42hls-oracle.js';

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

// Every leaf box of an extract header as [path, bytes], traks numbered in order.
function leaves(bytes: Uint8Array, start = 0, end = bytes.length, prefix = ''): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  let trak = 0;
  for (const b of childBoxes(bytes, start, end)) {
    const name = `${prefix}${b.type}${b.type === 'trak' ? trak++ : ''}`;
    if (CONTAINERS.has(b.type)) out.push(...leaves(bytes, payloadStart(b), boxEnd(b), `${name}/`));
    else out.push([name, Buffer.from(bytes.subarray(b.offset, boxEnd(b)))]);
  }
  return out;
}

// The tkhd matrix (nine 32-bit values) and 16.16 width and height of a version-0 tkhd box.
function tkhdFields(tkhd: Buffer): { matrix: number[]; width: number; height: number } {
  const at = 8 + 4 + 20 + 16;
  return {
    matrix: Array.from({ length: 9 }, (_, i) => tkhd.readInt32BE(at + 4 * i)),
    width: tkhd.readUInt32BE(at + 36) / 65536,
    height: tkhd.readUInt32BE(at + 40) / 65536,
  };
}

async function rotatedHeader(): Promise<{ header: Buffer; videoTrackId: number }> {
  const moov = await readMoov(media('phone-rotated.mp4'));
  const movie = parseMoov(moov);
  const header = Buffer.from(buildExtractHeader(moov, movie, planSegments(movie, 4)));
  return { header, videoTrackId: movie.tracks.find((t) => t.handler === 'vide')!.id };
}

describe('deriveExtractHeader', () => {
  it('keeps every box but the video trak tkhd and stsd, which come upright from the encode', async () => {
    const { header, videoTrackId } = await rotatedHeader();
    const before = Buffer.from(header);
    const encoded = readEncodedVideo(readFileSync(media('video-only.mp4'))); // 320x180, one video track
    const derived = deriveExtractHeader(header, videoTrackId, encoded);

    expect(header.equals(before)).toBe(true); // the shared index header is never written to
    const [from, to] = [leaves(header), leaves(derived)];
    expect(to.map(([name]) => name)).toEqual(from.map(([name]) => name));
    const videoTrak = from
      .find(([name, bytes]) => name.endsWith('/tkhd') && bytes.readUInt32BE(8 + 4 + 8) === videoTrackId)![0]
      .replace('/tkhd', '');
    const changed = to.filter(([, bytes], i) => !bytes.equals(from[i][1])).map(([name]) => name);
    expect(changed).toEqual([`${videoTrak}/tkhd`, `${videoTrak}/mdia/minf/stbl/stsd`]);

    const tkhd = to.find(([name]) => name === `${videoTrak}/tkhd`)![1];
    expect(tkhdFields(from.find(([name]) => name === `${videoTrak}/tkhd`)![1]).matrix.slice(0, 4)).toEqual([0, 65536, 0, -65536]);
    expect(tkhdFields(tkhd)).toEqual({ matrix: [65536, 0, 0, 0, 65536, 0, 0, 0, 0x40000000], width: 320, height: 180 });
    expect(
      tkhd.subarray(0, 8 + 4 + 20 + 16).equals(from.find(([name]) => name === `${videoTrak}/tkhd`)![1].subarray(0, 8 + 4 + 20 + 16)),
    ).toBe(true);
    expect(to.find(([name]) => name.endsWith(`${videoTrak}/mdia/minf/stbl/stsd`))![1].equals(Buffer.from(encoded.stsd))).toBe(true);

    const video = parseMoov(derived.subarray(...moovRange(derived))).tracks.find((t) => t.id === videoTrackId)!;
    expect(video).toMatchObject({ width: 320, height: 180 });
    expect(video.quarterTurn).toBeFalsy();
  });
});

function moovRange(bytes: Uint8Array): [number, number] {
  const moov = [...childBoxes(bytes, 0, bytes.length)].find((b) => b.type === 'moov')!;
  return [moov.offset, boxEnd(moov)];
}

describe('readEncodedVideo', () => {
  it('refuses an encode that is not one video track', () => {
    expect(() => readEncodedVideo(readFileSync(media('av.mp4')))).toThrow(/2 tracks, not one video track/);
    expect(() => readEncodedVideo(readFileSync(media('not-an-mp4.mp4')))).toThrow(Mp4FormatError);
  });
});

// A source segment's video: I P B B P B in decode order (B-frames shown before the P decoded
// before them), irregular durations, decode times from 90 000.
const SOURCE: SampleSlice = {
  trackId: 1,
  descriptionIndex: 1,
  baseDecodeTime: 90_000,
  durations: Uint32Array.from([512, 256, 768, 512, 512, 1024]),
  sizes: Uint32Array.from([900, 300, 100, 100, 300, 100]),
  sync: Uint8Array.from([1, 0, 0, 0, 0, 0]),
  compositionOffsets: Int32Array.from([512, 1792, 256, 256, 1280, 512]),
  offsets: Float64Array.from([1000, 1900, 2200, 2300, 2400, 2700]),
};

function encoded(count: number, overrides: { sync?: number[]; compositionOffsets?: number[] } = {}): EncodedVideo {
  const samples = {
    count,
    sizes: Uint32Array.from({ length: count }, (_, i) => 50 + i),
    sync: Uint8Array.from(overrides.sync ?? Array.from({ length: count }, (_, i) => (i === 0 ? 1 : 0))),
    compositionOffsets: Int32Array.from(overrides.compositionOffsets ?? new Array(count).fill(0)),
    offsets: Float64Array.from({ length: count }, (_, i) => 48 + 60 * i),
  };
  return { track: { samples }, stsd: new Uint8Array(), bytes: new Uint8Array() } as unknown as EncodedVideo;
}

describe('derivedVideoSlice', () => {
  it('keeps the decode times, shows frame k at the k-th source presentation time, points into the encode', () => {
    const slice = derivedVideoSlice(SOURCE, encoded(6), 10_000);
    expect(slice.baseDecodeTime).toBe(90_000);
    expect(Array.from(slice.durations)).toEqual(Array.from(SOURCE.durations));
    const decode = [0, 512, 768, 1536, 2048, 2560].map((t) => 90_000 + t);
    const sourceShown = decode.map((t, i) => t + SOURCE.compositionOffsets[i]);
    const shown = decode.map((t, i) => t + slice.compositionOffsets[i]);
    expect(shown).toEqual([...sourceShown].sort((a, b) => a - b));
    expect(Array.from(slice.compositionOffsets).every((c) => c >= 0)).toBe(true);
    expect(Array.from(slice.sizes)).toEqual([50, 51, 52, 53, 54, 55]);
    expect(Array.from(slice.sync)).toEqual([1, 0, 0, 0, 0, 0]);
    expect(Array.from(slice.offsets)).toEqual([48, 108, 168, 228, 288, 348].map((o) => o + 10_000));
    expect({ trackId: slice.trackId, descriptionIndex: slice.descriptionIndex }).toEqual({ trackId: 1, descriptionIndex: 1 });
  });

  it('refuses an encode with other frame counts, no key frame first, or reordered frames', () => {
    expect(() => derivedVideoSlice(SOURCE, encoded(5), 0)).toThrow(/the encoder wrote 5 frames for 6/);
    expect(() => derivedVideoSlice(SOURCE, encoded(7), 0)).toThrow(/the encoder wrote 7 frames for 6/);
    expect(() => derivedVideoSlice(SOURCE, encoded(6, { sync: [0, 1, 0, 0, 0, 0] }), 0)).toThrow(/does not start with a key frame/);
    expect(() => derivedVideoSlice(SOURCE, encoded(6, { compositionOffsets: [512, 1024, 0, 0, 0, 0] }), 0)).toThrow(
      /reorders frames \(B-frames\)/,
    );
    const empty = { ...SOURCE, durations: [], sizes: [], sync: [], compositionOffsets: [], offsets: [] };
    expect(() => derivedVideoSlice(empty, encoded(0), 0)).toThrow(Mp4FormatError);
  });
});
