import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CasterpakError } from '../../../src/lib/shared/errors.js';
import { parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { assertIFrameSource, buildIFramePlaylist } from '../../../src/lib/trick-play/iframe-playlist.js';
import { raiseTargetDuration } from '../../../src/lib/formats/hls/target-duration.js';
import { scanKeyFrames, type KeyFrameScan } from '../../../src/lib/formats/mpegts/keyframes.js';
import { REPO_DIR } from '../../helpers/bento4.js';
import { runMp42hlsWithIFrames } from '../../helpers/bento4-iframes.js';

type Frame = [offset: number, size: number, seconds: number, paramSets?: boolean];

function fakeScan(frames: Frame[], options: { firstSeconds?: number; psiEnd?: number | null } = {}): KeyFrameScan {
  const first = options.firstSeconds ?? frames[0]?.[2] ?? 0;
  return {
    name: 'seg.ts',
    videoPid: 256,
    streamType: 0x1b,
    codec: 'h264',
    psiEnd: options.psiEnd === null ? undefined : (options.psiEnd ?? 376),
    keyFrames: frames.map(([offset, size, seconds, paramSets]) => ({
      offset,
      size,
      pts: Math.round(seconds * 90000),
      ptsSeconds: seconds,
      paramSets: paramSets ?? true,
    })),
    untimedKeyFrames: 0,
    accessUnits: 10,
    firstPts: Math.round(first * 90000),
    endPts: undefined,
    format: undefined,
  };
}

function source(durations: number[], extra: { head?: string[]; before?: Record<number, string[]>; endlist?: boolean } = {}) {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.max(...durations.map(Math.round))}`,
    ...(extra.head ?? ['#EXT-X-PLAYLIST-TYPE:VOD']),
  ];
  durations.forEach((d, i) => lines.push(...(extra.before?.[i] ?? []), `#EXTINF:${d},`, `s${i}.ts`));
  if (extra.endlist !== false) lines.push('#EXT-X-ENDLIST');
  return parseMediaPlaylist(lines.join('\n') + '\n');
}

const uris = (n: number) => Array.from({ length: n }, (_, i) => `../s${i}.ts`);

function expectCode(run: () => unknown, code: string, message: RegExp) {
  try {
    run();
  } catch (error) {
    expect((error as CasterpakError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an error');
}

describe('buildIFramePlaylist against Bento4 (oracle 1) and ffmpeg (oracle 2)', () => {
  for (const fixture of ['av.mp4', 'av-2997.mp4', 'hevc.mp4']) {
    it(`${fixture}: same ranges and EXTINFs as Bento4's iframes playlist, valid TARGETDURATION, strict parse`, () => {
      const bento4 = runMp42hlsWithIFrames(fixture);
      const src = parseMediaPlaylist(raiseTargetDuration(readFileSync(bento4.playlist, 'utf8')));
      const scans = src.segments.map((s) => scanKeyFrames(readFileSync(path.join(bento4.dir, s.uri)), s.uri));
      const text = buildIFramePlaylist(
        src,
        scans,
        src.segments.map((s) => `../${s.uri}`),
      );
      const built = parseMediaPlaylist(text);
      expect(built.isIFrame).toBe(true);
      expect(built.version).toBe(4);
      expect(built.segments.map((s) => [s.uri, s.byterange.offset, s.byterange.length])).toEqual(
        bento4.iframes.map((f) => [`../${f.uri}`, f.offset, f.length]),
      );
      const sum = (durations: number[]) => durations.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum(built.segments.map((s) => s.duration)) - sum(bento4.iframes.map((f) => f.duration)))).toBeLessThan(0.001);
      if (fixture === 'hevc.mp4') {
        // Bento4 times this file's first entry one frame short (1.96 s); the key frames' PTS are
        // 2.000 s apart and RFC 8216 §4.3.3.6 wants the PTS difference.
        const pts = scans.flatMap((scan) => scan.keyFrames.map((k) => k.ptsSeconds));
        expect(built.segments[0]!.duration).toBeCloseTo(pts[1]! - pts[0]!, 6);
      } else {
        built.segments.forEach((s, i) => expect(Math.abs(s.duration - bento4.iframes[i]!.duration)).toBeLessThanOrEqual(0.0015));
      }
      expect(built.targetDuration).toBe(Math.max(1, ...built.segments.map((s) => Math.round(s.duration))));
      expect(built.endlist).toBe(true);
      expect(built.playlistType).toBe('VOD');
    });
  }

  for (const dir of ['published/show/stream.m3u8', 'kfonly/hevc/index.m3u8', 'kfonly/split/index.m3u8']) {
    it(`${dir}: v4 or v5 with EXT-X-MAP where the key frame does not follow PAT/PMT; EXTINFs add up to the source`, () => {
      const file = path.join(REPO_DIR, 'test/fixtures', dir);
      const src = parseMediaPlaylist(readFileSync(file, 'utf8'));
      const scans = src.segments.map((s) => scanKeyFrames(readFileSync(path.join(path.dirname(file), s.uri)), s.uri));
      const built = parseMediaPlaylist(
        buildIFramePlaylist(
          src,
          scans,
          src.segments.map((s) => `../${s.uri}`),
        ),
      );
      const total = (p: { segments: Array<{ duration: number }> }) => p.segments.reduce((n, s) => n + s.duration, 0);
      // the first key frame is at the start of the first segment in all three
      expect(total(built)).toBeCloseTo(total(src), 6);
      const split = dir.startsWith('kfonly/split');
      expect(built.version).toBe(split ? 5 : 4);
      expect(built.segments.every((s) => (s.map ? s.map.byterange : undefined)?.length === (split ? 564 : undefined))).toBe(true);
      if (split) expect(built.segments.map((s) => s.map.uri)).toEqual(['../seg0.ts', '../seg1.ts', '../seg3.ts', '../seg4.ts']);
    });
  }
});

describe('buildIFramePlaylist on a stream cut mid-way (kfonly/cut, make-kfonly-fixtures.sh)', () => {
  it('lists the key frame at offset 0 (where ffprobe finds it) and maps the PAT/PMT that come after it', () => {
    const fixtures = path.join(REPO_DIR, 'test/fixtures');
    const expected = JSON.parse(readFileSync(path.join(fixtures, 'kfonly/expected.json'), 'utf8')) as Record<
      string,
      Array<{ pos: number }>
    >;
    const src = parseMediaPlaylist(readFileSync(path.join(fixtures, 'kfonly/cut/index.m3u8'), 'utf8'));
    const scans = src.segments.map((s) => scanKeyFrames(readFileSync(path.join(fixtures, 'kfonly/cut', s.uri)), s.uri));
    const text = buildIFramePlaylist(
      src,
      scans,
      src.segments.map((s) => `../${s.uri}`),
    );
    const built = parseMediaPlaylist(text);
    expect(built.version).toBe(5);
    expect(built.segments.map((s) => [s.uri, s.byterange.offset])).toEqual(
      src.segments.flatMap((s) => expected[`kfonly/cut/${s.uri}`]!.map((f) => [`../${s.uri}`, f.pos])),
    );
    expect(built.segments[0]!.byterange.offset).toBe(0);
    // Each segment's own PAT and PMT, two packets after its first key frame; never the picture.
    expect(built.segments.map((s) => [s.map.uri, s.map.byterange])).toEqual([
      ['../seg0.ts', { offset: 2632, length: 376 }],
      ['../seg0.ts', { offset: 2632, length: 376 }],
      ['../seg1.ts', { offset: 2632, length: 376 }],
      ['../seg1.ts', { offset: 2632, length: 376 }],
    ]);
    for (const s of built.segments)
      expect(s.map.byterange!.offset).toBeGreaterThanOrEqual(s.byterange.offset === 0 ? s.byterange.length : 0);
  });
});

describe('buildIFramePlaylist (RFC 8216 §4.3.3.6, docs/trick-play.md)', () => {
  it('writes version 4 for a v3 source, EXTINF to the next key frame across segments and to the end for the last', () => {
    const text = buildIFramePlaylist(
      source([4, 4]),
      [
        fakeScan([
          [376, 3760, 10],
          [50000, 1880, 12],
        ]),
        fakeScan([[376, 3008, 14]]),
      ],
      uris(2),
    );
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:4',
        '#EXT-X-TARGETDURATION:4',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-I-FRAMES-ONLY',
        '#EXTINF:2.000,',
        '#EXT-X-BYTERANGE:3760@376',
        '../s0.ts',
        '#EXTINF:2.000,',
        '#EXT-X-BYTERANGE:1880@50000',
        '../s0.ts',
        '#EXTINF:4.000,',
        '#EXT-X-BYTERANGE:3008@376',
        '../s1.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('TARGETDURATION is at least every rounded EXTINF (a 2.5 s gap rounds to 3)', () => {
    const built = parseMediaPlaylist(
      buildIFramePlaylist(source([2.5, 2.5]), [fakeScan([[376, 188, 0]]), fakeScan([[376, 188, 0]])], uris(2)),
    );
    expect(built.segments.map((s) => s.duration)).toEqual([2.5, 2.5]);
    expect(built.targetDuration).toBe(3);
  });

  it('rounds boundaries, not durations, so EXTINFs add up exactly (29.97 fps)', () => {
    const frames: Frame[] = Array.from({ length: 30 }, (_, k) => [376 + k * 188 * 10, 188, (k * 1001) / 30000]);
    const text = buildIFramePlaylist(source([1.001]), [fakeScan(frames)], uris(1));
    const ms = parseMediaPlaylist(text).segments.reduce((n, s) => n + Math.round(s.duration * 1000), 0);
    expect(ms).toBe(1001);
  });

  it('carries over MEDIA-SEQUENCE, DISCONTINUITY(-SEQUENCE), PLAYLIST-TYPE EVENT and no ENDLIST; moves a discontinuity of a segment without key frames to the next entry', () => {
    const src = source([2, 2, 2], {
      head: ['#EXT-X-MEDIA-SEQUENCE:7', '#EXT-X-DISCONTINUITY-SEQUENCE:3', '#EXT-X-PLAYLIST-TYPE:EVENT'],
      before: { 1: ['#EXT-X-DISCONTINUITY'] },
      endlist: false,
    });
    const text = buildIFramePlaylist(src, [fakeScan([[376, 188, 0]]), fakeScan([]), fakeScan([[376, 188, 50]])], uris(3));
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n#EXT-X-PLAYLIST-TYPE:EVENT\n');
    expect(text).toMatch(/#EXT-X-DISCONTINUITY\n#EXTINF:2\.000,\n#EXT-X-BYTERANGE:188@376\n\.\.\/s2\.ts\n$/);
    expect(text).not.toContain('ENDLIST');
    const built = parseMediaPlaylist(text);
    expect(built.segments.map((s) => s.duration)).toEqual([4, 2]);
    expect(built.segments[1]!.discontinuity).toBe(true);
  });

  it("maps PROGRAM-DATE-TIME onto each segment's first key frame", () => {
    const src = source([4], { before: { 0: ['#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00.000Z'] } });
    const text = buildIFramePlaylist(src, [fakeScan([[1000, 188, 1.5]], { firstSeconds: 0 })], uris(1));
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:01.500Z\n#EXTINF:2.500,');
  });

  it("adds EXT-X-MAP (version 5) when a key frame does not follow PAT/PMT, borrowing an earlier segment's PSI when one has none", () => {
    const text = buildIFramePlaylist(source([2, 2]), [fakeScan([[940, 188, 0]]), fakeScan([[0, 188, 2]], { psiEnd: null })], uris(2));
    const built = parseMediaPlaylist(text);
    expect(built.version).toBe(5);
    expect(built.segments.map((s) => [s.map.uri, s.map.byterange])).toEqual([
      ['../s0.ts', { length: 376, offset: 0 }],
      ['../s0.ts', { length: 376, offset: 0 }],
    ]);
    expectCode(() => buildIFramePlaylist(source([2]), [fakeScan([[0, 188, 0]], { psiEnd: null })], uris(1)), 'BAD_TS', /no PAT\/PMT/);
    // PAT/PMT beyond the first 7 packets: hls.js would not find them without a map
    expect(buildIFramePlaylist(source([2]), [fakeScan([[1504, 188, 0]], { psiEnd: 1504 })], uris(1))).toContain(
      '#EXT-X-MAP:URI="../s0.ts",BYTERANGE="1504@0"',
    );
  });

  it('leaves out key frames without in-band parameter sets and refuses a source with no usable key frame', () => {
    const text = buildIFramePlaylist(
      source([4]),
      [
        fakeScan([
          [376, 188, 0],
          [5000, 188, 2, false],
        ]),
      ],
      uris(1),
    );
    expect(parseMediaPlaylist(text).segments.map((s) => s.duration)).toEqual([4]);
    expectCode(
      () => buildIFramePlaylist(source([4]), [fakeScan([[376, 188, 0, false]])], uris(1)),
      'UNSUPPORTED_MEDIA',
      /none of its 1 key frames carries SPS\/PPS/,
    );
    expectCode(
      () => buildIFramePlaylist(source([4]), [fakeScan([])], uris(1), 'x.m3u8'),
      'UNSUPPORTED_MEDIA',
      /^x\.m3u8: .*no IDR\/IRAP key frame/,
    );
  });

  it('refuses encrypted, fMP4, byte-range and I-frame sources (docs/trick-play.md)', () => {
    expectCode(
      () => assertIFrameSource(source([4], { before: { 0: ['#EXT-X-KEY:METHOD=AES-128,URI="k.bin"'] } }), 'a.m3u8'),
      'UNSUPPORTED_MEDIA',
      /^a\.m3u8: segments are encrypted \(EXT-X-KEY METHOD=AES-128\)/,
    );
    expect(() => assertIFrameSource(source([4], { before: { 0: ['#EXT-X-KEY:METHOD=NONE'] } }), 'a.m3u8')).not.toThrow();
    const v6 = (tag: string) =>
      parseMediaPlaylist(`#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:4\n${tag}\n#EXTINF:4,\ns.ts\n#EXT-X-ENDLIST\n`);
    expectCode(() => assertIFrameSource(v6('#EXT-X-MAP:URI="init.mp4"'), 'f.m3u8'), 'UNSUPPORTED_MEDIA', /EXT-X-MAP/);
    expectCode(() => assertIFrameSource(v6('#EXT-X-BYTERANGE:1000@0'), 'b.m3u8'), 'UNSUPPORTED_MEDIA', /byte ranges/);
    expectCode(
      () => assertIFrameSource(v6('#EXT-X-I-FRAMES-ONLY\n#EXT-X-BYTERANGE:1000@0'), 'i.m3u8'),
      'BAD_PLAYLIST',
      /already an I-frame playlist/,
    );
  });
});
