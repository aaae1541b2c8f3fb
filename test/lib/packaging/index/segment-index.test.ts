// The per-rendition segment index (`.segments.idx`): what is encoded from a real moov and its
// plan reads back as the same segments and, record by record, the same samples.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildExtractHeader } from '../../../../src/lib/formats/mp42hls/extract.js';
import { extractAudioRange, planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import {
  IndexFormatError,
  PREAMBLE,
  decodeHeader,
  encodeSegmentIndex,
  headerAt,
  segmentRecords,
  slicesFromRecords,
} from '../../../../src/lib/packaging/index/segment-index.js';
import { segmentColumns } from '../../../../src/lib/packaging/index/segments.js';
import { openLocalSource, readMoov } from '../../../../src/lib/packaging/source/source-reader.js';
import { media } from '../../../helpers/bento4.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { SEGMENT_INDEX } from '../../../../src/lib/cache/names.js';
import { indexFromBytes, loadIndex } from '../../../../src/lib/packaging/segment-maker.js';

async function planned(name: string, segmentDuration: number) {
  const reader = await openLocalSource(media(name), name);
  try {
    const { moov } = await readMoov(reader, name);
    const movie = parseMoov(moov);
    return { moov, movie, plan: planSegments(movie, segmentDuration) };
  } finally {
    await reader.close();
  }
}

const SOURCE = { size: 1234, version: 'ino 1 mtime 2' };
// The header of an encoded index, where its preamble says it is.
function headerOf(bytes: Uint8Array) {
  const { offset, length } = headerAt(bytes.subarray(0, PREAMBLE));
  return decodeHeader(bytes.subarray(offset, offset + length));
}

describe('encodeSegmentIndex', () => {
  it.each(['av.mp4', 'audio-only.mp4', 'video-only.mp4', 'moov-at-end.mp4'])(
    '%s: the header, extract header and records read back as the plan and the sample tables',
    async (name) => {
      const { moov, movie, plan } = await planned(name, 2);
      const bytes = encodeSegmentIndex(moov, movie, plan, SOURCE);
      const header = headerOf(bytes);
      expect(header.source).toEqual(SOURCE);
      expect(header.segmentDuration).toBe(2);
      expect([...header.segments].map((s) => [s.extinf, s.standalone, s.lookahead])).toEqual(
        plan.segments.map((s) => [s.extinf, s.standalone, s.audioLookahead]),
      );
      expect([...header.segments].map((s) => s.span)).toEqual(plan.segments.map((s) => [s.span.start, s.span.end]));
      const { offset, length } = header.extractHeader;
      expect(Buffer.from(bytes.subarray(offset, offset + length)).equals(Buffer.from(buildExtractHeader(moov, movie, plan)))).toBe(true);
      const tracks = header.tracks.map((t) => movie.tracks.find((m) => m.id === t.trackId)!);
      expect(header.tracks.map((t) => t.kind)).toEqual(tracks.map((t) => (t === plan.videoTrack ? 'video' : 'audio')));
      // The segments' records follow one another up to the header, which ends the file.
      const ends = [...header.segments].map((_, position) => segmentRecords(header, position));
      ends.forEach((r, position) =>
        expect(r.offset).toBe(position === 0 ? header.recordsAt : ends[position - 1].offset + ends[position - 1].length),
      );
      const at = headerAt(bytes.subarray(0, PREAMBLE));
      expect(at.offset).toBe(ends[ends.length - 1].offset + ends[ends.length - 1].length);
      expect(bytes.length).toBe(at.offset + at.length);
      [...header.segments].forEach((segment, position) => {
        const { offset: at, length } = segmentRecords(header, position);
        const slices = slicesFromRecords(header, position, bytes.subarray(at, at + length));
        header.tracks.forEach((track, k) => {
          const [start, end, baseDecodeTime] = segment.ranges[k];
          const range = track.kind === 'video' ? plan.segments[position].video! : extractAudioRange(plan.segments[position])!;
          expect([start, end]).toEqual([range.start, range.end]);
          const slice = slices[k];
          const table = tracks[k].samples;
          expect(slice.trackId).toBe(tracks[k].id);
          expect(slice.baseDecodeTime).toBe(baseDecodeTime);
          if (end > start) expect(slice.baseDecodeTime).toBe(table.decodeTimes[start]);
          expect(Array.from(slice.durations)).toEqual(Array.from(table.durations.subarray(start, end)));
          expect(Array.from(slice.sizes)).toEqual(Array.from(table.sizes.subarray(start, end)));
          expect(Array.from(slice.offsets)).toEqual(Array.from(table.offsets.subarray(start, end)));
          expect(Array.from(slice.sync)).toEqual(Array.from(table.sync.subarray(start, end)));
          expect(Array.from(slice.compositionOffsets)).toEqual(Array.from(table.compositionOffsets.subarray(start, end)));
        });
        // What a segment carries of each track, less the audio look-ahead its output drops.
        const own = header.tracks.map((t, k) => segment.ranges[k][1] - segment.ranges[k][0] - (t.kind === 'audio' ? segment.lookahead : 0));
        expect(segment.pes).toEqual(own);
      });
    },
  );

  it('is the same bytes for the same movie (the index is made again after prune)', async () => {
    const { moov, movie, plan } = await planned('av.mp4', 6);
    expect(
      Buffer.from(encodeSegmentIndex(moov, movie, plan, SOURCE)).equals(Buffer.from(encodeSegmentIndex(moov, movie, plan, SOURCE))),
    ).toBe(true);
  });
});

describe('segment records', () => {
  const read = (bytes: Uint8Array) => headerOf(bytes);

  it.each(['av.mp4', 'audio-only.mp4', 'hevc.mp4'])('%s: at most 6 bytes a sample', async (name) => {
    const { moov, movie, plan } = await planned(name, 2);
    const header = read(encodeSegmentIndex(moov, movie, plan, SOURCE));
    const samples = [...header.segments].reduce((n, s) => n + s.ranges.reduce((m, [start, end]) => m + end - start, 0), 0);
    const bytes = [...header.segments].reduce((n, _, position) => n + segmentRecords(header, position).length, 0);
    expect(samples).toBeGreaterThan(0);
    expect(bytes / samples).toBeLessThanOrEqual(6);
  });

  // Scale 1: composition offsets spanning little (codes by table); 1,000: spanning more than 2^16.
  it.each([1, 1000])(
    'round-trips what the common case does not exercise: offsets past 2^32, many and negative composition offsets (scale %i), changing durations',
    async (scale) => {
      const { moov, movie, plan } = await planned('av.mp4', 2);
      const s = plan.videoTrack!.samples;
      for (let i = 0; i < s.count; i++) {
        (s.offsets as Float64Array)[i] = 2 ** 40 + 7 * i + (i % 5 === 0 ? 1_000_000 : 0);
        (s.compositionOffsets as Int32Array)[i] = (i % 97) * (i % 2 ? -3 : 5) * scale;
        (s.durations as Uint32Array)[i] = 512 + (i % 3);
      }
      const bytes = encodeSegmentIndex(moov, movie, plan, SOURCE);
      const header = read(bytes);
      const video = header.tracks.findIndex((t) => t.kind === 'video');
      [...header.segments].forEach((segment, position) => {
        const { offset, length } = segmentRecords(header, position);
        const slice = slicesFromRecords(header, position, bytes.subarray(offset, offset + length))[video];
        const [start, end] = segment.ranges[video];
        expect(Array.from(slice.offsets)).toEqual(Array.from(s.offsets.subarray(start, end)));
        expect(Array.from(slice.compositionOffsets)).toEqual(Array.from(s.compositionOffsets.subarray(start, end)));
        expect(Array.from(slice.durations)).toEqual(Array.from(s.durations.subarray(start, end)));
      });
    },
  );

  it('refuses records cut short or too long rather than misread them', async () => {
    const { moov, movie, plan } = await planned('av.mp4', 2);
    const bytes = encodeSegmentIndex(moov, movie, plan, SOURCE);
    const header = read(bytes);
    const { offset, length } = segmentRecords(header, 1);
    expect(() => slicesFromRecords(header, 1, bytes.subarray(offset, offset + length - 1))).toThrow(IndexFormatError);
    const longer = Uint8Array.from(bytes.subarray(offset, offset + length + 3));
    const lengths = header.segments.at(1)!.records.slice(1);
    const lying = {
      ...header,
      segments: segmentColumns(
        [...header.segments].map((s, i) => (i === 1 ? { ...s, records: [0, lengths[0] + 3, ...lengths.slice(1)] } : s)),
        header.tracks.length,
      ),
    };
    expect(() => slicesFromRecords(lying, 1, longer)).toThrow(IndexFormatError);
  });
});

describe('headerAt', () => {
  it('refuses anything that is not an index of this version', async () => {
    const { moov, movie, plan } = await planned('av.mp4', 6);
    const good = encodeSegmentIndex(moov, movie, plan, SOURCE);
    expect(headerAt(good.subarray(0, PREAMBLE)).length).toBeGreaterThan(0);
    expect(headerAt(good.subarray(0, PREAMBLE)).offset + headerAt(good.subarray(0, PREAMBLE)).length).toBe(good.length);
    const otherVersion = Uint8Array.from(good.subarray(0, PREAMBLE));
    otherVersion[7] += 1;
    expect(() => headerAt(otherVersion)).toThrow(IndexFormatError);
    expect(() => headerAt(readFileSync(media('av.mp4')).subarray(0, PREAMBLE))).toThrow(IndexFormatError);
    expect(() => headerAt(good.subarray(0, 4))).toThrow(IndexFormatError);
    // Versions 1 (21-byte records per sample, issue 23) and 2 (the header before the records) are
    // made again, never read as this version.
    for (const version of [1, 2]) {
      const older = Uint8Array.from(good.subarray(0, PREAMBLE));
      new DataView(older.buffer).setUint32(4, version);
      expect(() => headerAt(older)).toThrow(IndexFormatError);
    }
  });

  it('loads an index of this version from its rendition directory, and refuses a version 1 file there', async () => {
    const { moov, movie, plan } = await planned('av.mp4', 6);
    const good = encodeSegmentIndex(moov, movie, plan, SOURCE);
    const dir = tempDir('casterpak-index-');
    writeFileSync(path.join(dir, SEGMENT_INDEX), good);
    const loaded = await loadIndex(dir);
    expect(loaded.header.segments.length).toBe(plan.segments.length);
    const old = Uint8Array.from(good);
    new DataView(old.buffer).setUint32(4, 1);
    writeFileSync(path.join(dir, SEGMENT_INDEX), old);
    await expect(loadIndex(dir)).rejects.toThrow(IndexFormatError);
  });
});

describe('indexFromBytes', () => {
  it('keeps the whole file, or a copy of it up to the records of the first segments asked for', async () => {
    const { moov, movie, plan } = await planned('av.mp4', 1);
    const bytes = encodeSegmentIndex(moov, movie, plan, SOURCE);
    const whole = indexFromBytes(bytes, '/cache/av.mp4');
    const count = whole.header.segments.length;
    expect(count).toBeGreaterThan(4);
    expect(whole.bytes).toBe(bytes);
    expect(indexFromBytes(bytes, '/cache/av.mp4', count).bytes).toBe(bytes);
    for (const kept of [0, 1, 4, count - 1]) {
      const index = indexFromBytes(bytes, '/cache/av.mp4', kept);
      expect(index.header).toEqual(whole.header);
      expect(index.bytes!.buffer).not.toBe(bytes.buffer);
      expect(Buffer.from(bytes.subarray(0, index.bytes!.length)).equals(Buffer.from(index.bytes!))).toBe(true);
      // Exactly the first `kept` segments' records are in it.
      const held = [...whole.header.segments].map((_, position) => {
        const { offset, length } = segmentRecords(whole.header, position);
        return offset + length <= index.bytes!.length;
      });
      expect(held).toEqual(held.map((_, position) => position < kept));
    }
  });
});
