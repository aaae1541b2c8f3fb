// The per-rendition segment index (`.segments.idx`): what is encoded from a real moov and its
// plan reads back as the same segments and, record by record, the same samples.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildExtractHeader } from '../../../src/lib/formats/mp42hls/extract.js';
import { extractAudioRange, planSegments } from '../../../src/lib/formats/mp42hls/segment-plan.js';
import { parseMoov } from '../../../src/lib/formats/mp4/moov.js';
import {
  IndexFormatError,
  PREAMBLE,
  RECORD,
  decodeHeader,
  encodeSegmentIndex,
  headerLength,
  sliceFromRecords,
} from '../../../src/lib/packaging/segment-index.js';
import { openLocalSource, readMoov } from '../../../src/lib/packaging/source/source-reader.js';
import { media } from '../../helpers/bento4.js';

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

describe('encodeSegmentIndex', () => {
  it.each(['av.mp4', 'audio-only.mp4', 'video-only.mp4', 'moov-at-end.mp4'])(
    '%s: the header, extract header and records read back as the plan and the sample tables',
    async (name) => {
      const { moov, movie, plan } = await planned(name, 2);
      const bytes = encodeSegmentIndex(moov, movie, plan, SOURCE);
      const header = decodeHeader(bytes.subarray(PREAMBLE, PREAMBLE + headerLength(bytes.subarray(0, PREAMBLE))));
      expect(header.source).toEqual(SOURCE);
      expect(header.segmentDuration).toBe(2);
      expect(header.segments.map((s) => [s.extinf, s.standalone, s.lookahead])).toEqual(
        plan.segments.map((s) => [s.extinf, s.standalone, s.audioLookahead]),
      );
      expect(header.segments.map((s) => s.span)).toEqual(plan.segments.map((s) => [s.span.start, s.span.end]));
      const { offset, length } = header.extractHeader;
      expect(Buffer.from(bytes.subarray(offset, offset + length)).equals(Buffer.from(buildExtractHeader(moov, movie, plan)))).toBe(true);
      const tracks = header.tracks.map((t) => movie.tracks.find((m) => m.id === t.trackId)!);
      expect(header.tracks.map((t) => t.kind)).toEqual(tracks.map((t) => (t === plan.videoTrack ? 'video' : 'audio')));
      const last = header.tracks.length - 1;
      expect(bytes.length).toBe(header.tracks[last].recordsAt + tracks[last].samples.count * RECORD);
      header.segments.forEach((segment, position) => {
        header.tracks.forEach((track, k) => {
          const [start, end, baseDecodeTime] = segment.ranges[k];
          const range = track.kind === 'video' ? plan.segments[position].video! : extractAudioRange(plan.segments[position])!;
          expect([start, end]).toEqual([range.start, range.end]);
          const records = bytes.subarray(track.recordsAt + start * RECORD, track.recordsAt + end * RECORD);
          const slice = sliceFromRecords(track, baseDecodeTime, records);
          const table = tracks[k].samples;
          expect(slice.trackId).toBe(tracks[k].id);
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

describe('headerLength', () => {
  it('refuses anything that is not an index of this version', async () => {
    const { moov, movie, plan } = await planned('av.mp4', 6);
    const good = encodeSegmentIndex(moov, movie, plan, SOURCE);
    expect(headerLength(good.subarray(0, PREAMBLE))).toBeGreaterThan(0);
    const otherVersion = Uint8Array.from(good.subarray(0, PREAMBLE));
    otherVersion[7] += 1;
    expect(() => headerLength(otherVersion)).toThrow(IndexFormatError);
    expect(() => headerLength(readFileSync(media('av.mp4')).subarray(0, PREAMBLE))).toThrow(IndexFormatError);
    expect(() => headerLength(good.subarray(0, 4))).toThrow(IndexFormatError);
  });
});
