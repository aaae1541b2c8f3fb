import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { iframeBitrates, videoCodecs } from '../../../src/lib/trick-play/iframe-variant.js';

function iframePlaylist(target: number, entries: Array<[seconds: number, bytes: number]>): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:4', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-I-FRAMES-ONLY'];
  let offset = 376;
  for (const [seconds, bytes] of entries) {
    lines.push(`#EXTINF:${seconds},`, `#EXT-X-BYTERANGE:${bytes}@${offset}`, '../seg.ts');
    offset += bytes + 1880;
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

describe('iframeBitrates (RFC 8216 §4.1 peak segment bit rate)', () => {
  it('averages all bytes over the whole duration', () => {
    const playlist = parseMediaPlaylist(
      iframePlaylist(2, [
        [2, 1000],
        [2, 3000],
      ]),
    );
    expect(iframeBitrates(playlist).average).toBe(Math.ceil((8 * 4000) / 4));
  });

  it('takes the peak over runs lasting 0.5–1.5 × target duration', () => {
    // target 4: runs of 2..6 s. Entries 1 s each; bytes spike at entries 4 and 5.
    const playlist = parseMediaPlaylist(
      iframePlaylist(4, [
        [1, 100],
        [1, 100],
        [1, 100],
        [1, 5000],
        [1, 5000],
        [1, 100],
        [1, 100],
      ]),
    );
    const { peak, average } = iframeBitrates(playlist);
    // best run: entries 4+5 alone (2 s, within 0.5×4) = 8*10000/2
    expect(peak).toBe(40000);
    expect(average).toBe(Math.ceil((8 * 10500) / 7));
    expect(peak).toBeGreaterThan(average);
  });

  it('ignores a single short entry shorter than half the target duration', () => {
    // a 0.04 s entry of 5000 bytes would be 1 Mbit/s alone; it must be averaged with neighbours
    const playlist = parseMediaPlaylist(
      iframePlaylist(2, [
        [0.04, 5000],
        [1.96, 1000],
        [2, 1000],
      ]),
    );
    const { peak } = iframeBitrates(playlist);
    expect(peak).toBe(Math.ceil((8 * 6000) / 2));
  });

  it('falls back to the average when the playlist is shorter than half the target duration', () => {
    const playlist = parseMediaPlaylist(
      iframePlaylist(10, [
        [1, 1000],
        [1, 1000],
      ]),
    );
    const { peak, average } = iframeBitrates(playlist);
    expect(peak).toBe(average);
    expect(average).toBe(8000);
  });
});

describe('videoCodecs', () => {
  it('keeps H.264 and HEVC codecs, drops audio', () => {
    expect(videoCodecs('avc1.64001f,mp4a.40.2')).toBe('avc1.64001f');
    expect(videoCodecs('mp4a.40.2, hvc1.1.6.L93.B0')).toBe('hvc1.1.6.L93.B0');
    expect(videoCodecs('avc3.4d401e,ac-3,hev1.1.6.L93.90')).toBe('avc3.4d401e,hev1.1.6.L93.90');
  });

  it('returns an empty string when there is no video', () => {
    expect(videoCodecs('mp4a.40.2')).toBe('');
    expect(videoCodecs('')).toBe('');
    expect(videoCodecs('avc1x.1')).toBe('');
  });
});
