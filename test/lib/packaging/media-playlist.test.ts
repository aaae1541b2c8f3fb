import { describe, expect, it } from 'vitest';
import { buildMediaPlaylist, playableDurations, readRawPlaylist, segmentBaseUrl } from '../../../src/lib/packaging/media-playlist.js';
import { parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';

// What mp42hls 1.5.0 writes: MEDIA-SEQUENCE 0, six-decimal EXTINF, a TARGETDURATION that can
// be below a rounded EXTINF (a strict parser refuses it, hence the line-level reader).
const RAW = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-TARGETDURATION:10
#EXT-X-MEDIA-SEQUENCE:0
#EXTINF:10.000000,
raw-0.ts
#EXTINF:10.520000,
raw-1.ts
#EXTINF:1.960000,
raw-2.ts
#EXT-X-ENDLIST
`;

describe('readRawPlaylist', () => {
  it('reads the EXTINF/URI pairs in order', () => {
    expect(readRawPlaylist(RAW)).toEqual([
      { uri: 'raw-0.ts', duration: 10, extinf: '10.000000' },
      { uri: 'raw-1.ts', duration: 10.52, extinf: '10.520000' },
      { uri: 'raw-2.ts', duration: 1.96, extinf: '1.960000' },
    ]);
  });

  it('accepts CRLF line ends', () => {
    expect(readRawPlaylist(RAW.replace(/\n/g, '\r\n'))).toHaveLength(3);
  });

  it.each([
    ['no #EXTM3U', RAW.replace('#EXTM3U\n', ''), /without #EXTM3U/],
    ['no ENDLIST (mp42hls stopped early)', RAW.replace('#EXT-X-ENDLIST\n', ''), /no EXT-X-ENDLIST/],
    ['a URI without EXTINF', RAW.replace('#EXTINF:10.520000,\n', ''), /without EXTINF/],
    ['a bad EXTINF', RAW.replace('#EXTINF:1.960000,', '#EXTINF:abc,'), /bad EXTINF/],
    ['a negative EXTINF', RAW.replace('#EXTINF:1.960000,', '#EXTINF:-1,'), /bad EXTINF/],
    ['no segments', '#EXTM3U\n#EXT-X-TARGETDURATION:0\n#EXT-X-ENDLIST\n', /lists no segments/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => readRawPlaylist(text)).toThrow(message);
  });
});

describe('buildMediaPlaylist', () => {
  it("writes exactly casterpak's media playlist shape with relative URIs", () => {
    expect(buildMediaPlaylist([10, 10, 6.186], { segmentBaseUrl: null })).toBe(
      [
        '#EXTM3U',
        '#EXT-X-TARGETDURATION:10',
        '#EXT-X-ALLOW-CACHE:YES',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-VERSION:3',
        '#EXT-X-MEDIA-SEQUENCE:1',
        '#EXTINF:10.000,',
        'segment1_0_av.ts',
        '#EXTINF:10.000,',
        'segment2_0_av.ts',
        '#EXTINF:6.186,',
        'segment3_0_av.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('prefixes the base URL when one is given', () => {
    const text = buildMediaPlaylist([4], { segmentBaseUrl: 'https://cdn.example/i/2022/x.mp4/' });
    expect(text).toContain('\nhttps://cdn.example/i/2022/x.mp4/segment1_0_av.ts\n');
  });

  it('rounds EXTINF to milliseconds and makes TARGETDURATION the largest rounded value (RFC 8216 §4.3.3.1)', () => {
    const text = buildMediaPlaylist([10.52, 9.9996, 0.4], { segmentBaseUrl: null });
    expect(text).toContain('#EXT-X-TARGETDURATION:11\n');
    expect(text).toContain('#EXTINF:10.520,\n');
    expect(text).toContain('#EXTINF:10.000,\n');
    expect(text).toContain('#EXTINF:0.400,\n');
    // a strict parser accepts it, which it would not if TARGETDURATION were below an EXTINF
    expect(parseMediaPlaylist(text).segments.map((s) => s.duration)).toEqual([10.52, 10, 0.4]);
  });

  it('never writes TARGETDURATION 0 for very short media', () => {
    expect(buildMediaPlaylist([0.2], { segmentBaseUrl: null })).toContain('#EXT-X-TARGETDURATION:1\n');
  });
});

describe('segmentBaseUrl', () => {
  it('is null without a public base URL (relative URIs)', () => {
    expect(segmentBaseUrl(null, 'a/b.mp4')).toBeNull();
  });

  it('builds <base>/i/<rendition path>/ and percent-encodes each path segment', () => {
    expect(segmentBaseUrl('https://h.example', '20220404/1251/x.mp4')).toBe('https://h.example/i/20220404/1251/x.mp4/');
    expect(segmentBaseUrl('https://h.example/', 'a b/c@d.mp4')).toBe('https://h.example/i/a%20b/c%40d.mp4/');
    expect(segmentBaseUrl('https://h.example/root//', 'x.mp4')).toBe('https://h.example/root/i/x.mp4/');
  });
});

describe('playableDurations', () => {
  it('gives a one-frame file (mp42hls: one 0.000000 s segment) the source duration', () => {
    expect(playableDurations([0], 40)).toEqual([0.04]);
    expect(buildMediaPlaylist(playableDurations([0], 40), { segmentBaseUrl: null })).toMatch(/#EXTINF:0\.040,/);
  });

  it("leaves every other playlist as mp42hls timed it (an audio tail's 0 s included)", () => {
    expect(playableDurations([2, 2, 0], 4000)).toEqual([2, 2, 0]);
    expect(playableDurations([1.96], 2000)).toEqual([1.96]);
    expect(playableDurations([0], 0)).toEqual([0]);
  });
});
