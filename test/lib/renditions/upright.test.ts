// The upright encode of a phone video's own rendition (renditions/upright.ts): its H.264 level
// is the lowest that holds the displayed picture (ITU-T H.264 Table A-1), and its rates are the
// source's with the ladder's VBV shape.
import { describe, expect, it } from 'vitest';
import { h264Level, uprightProfile } from '../../../src/lib/renditions/upright.js';

describe('upright encode', () => {
  it('takes the lowest H.264 level that holds the picture, its frame rate and its peak rate', () => {
    expect(h264Level({ width: 180, height: 320 }, 30, 300_000)).toBe('3.0');
    expect(h264Level({ width: 720, height: 1280 }, 30, 3_600_000)).toBe('3.1');
    // 3600 macroblocks at 60 a second is past 3.1's 108 000.
    expect(h264Level({ width: 720, height: 1280 }, 60, 3_600_000)).toBe('3.2');
    // 1080 × 1920 is 68 × 120 = 8160 macroblocks: level 4 holds 8192.
    expect(h264Level({ width: 1080, height: 1920 }, 30, 9_600_000)).toBe('4.0');
    // 4.0 allows 25 Mbit/s in High; a 30 Mbit/s peak needs 4.1.
    expect(h264Level({ width: 1080, height: 1920 }, 30, 30_000_000)).toBe('4.1');
    expect(h264Level({ width: 2160, height: 3840 }, 30, 60_000_000)).toBe('5.1');
  });

  it("encodes at the source's average rate, peak 1.2 × and buffer 2 × the peak, its shorter side as the height", () => {
    expect(uprightProfile({ width: 720, height: 1280 }, 3_000_000, 30)).toEqual({
      height: 720,
      videoBitrate: 3_000_000,
      maxRate: 3_600_000,
      bufSize: 7_200_000,
      level: '3.1',
      profile: 'high',
      preset: 'veryfast',
    });
  });
});
