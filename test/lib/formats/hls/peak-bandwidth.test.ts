// peakBitRate (RFC 8216 §4.3.4.2) against windows computed by hand.
import { describe, expect, it } from 'vitest';
import { peakBitRate } from '../../../../src/lib/formats/hls/peak-bandwidth.js';

const KB = 1000;

describe('peakBitRate', () => {
  it('takes the densest run lasting 0.5–1.5 × the target, not the densest segment', () => {
    // Target 4 s: runs of 2..6 s. Segments 4, 4, 0.04 s; the 0.04-s tail (10 kB) alone would be
    // 2 Mb/s. Runs in range: [0] 4 s 400 kB = 800 kb/s; [1] 4 s 200 kB = 400 kb/s; [1,2] 4.04 s
    // 210 kB = 415.8 kb/s; [0,1] 8 s is too long, [2] 0.04 s too short.
    const peak = peakBitRate({ bytes: [400 * KB, 200 * KB, 10 * KB], seconds: [4, 4, 0.04], targetDuration: 4 });
    expect(peak).toBe(800_000);
  });

  it('a run of short segments counts as one window', () => {
    // Target 2 s: runs of 1..3 s. 1-s segments of 100, 300, 300, 50 kB: [1,2] 600 kB over 2 s =
    // 2.4 Mb/s; [1] alone 2.4 Mb/s too; [0,1,2] 700 kB / 3 s = 1.87 Mb/s; [1,2,3] 650 kB / 3 s.
    const peak = peakBitRate({ bytes: [100 * KB, 300 * KB, 300 * KB, 50 * KB], seconds: [1, 1, 1, 1], targetDuration: 2 });
    expect(peak).toBe(2_400_000);
    // Half-second segments of 100, 300, 100, 50 kB: no single one is a run (0.5 s < 1 s), so the
    // 300-kB one (4.8 Mb/s alone) counts only within [0,1] or [1,2]: 400 kB / 1 s = 3.2 Mb/s;
    // [0,1,2] 500 kB / 1.5 s, [1,2,3] 450 kB / 1.5 s, [0..3] 550 kB / 2 s are lower.
    const halves = peakBitRate({ bytes: [100 * KB, 300 * KB, 100 * KB, 50 * KB], seconds: [0.5, 0.5, 0.5, 0.5], targetDuration: 2 });
    expect(halves).toBe(3_200_000);
  });

  it("a 0-s segment's bytes belong to the run that holds it", () => {
    // Target 2: [0] 2 s 200 kB = 800 kb/s; [0,1] 2 s 204 kB = 816 kb/s.
    expect(peakBitRate({ bytes: [200 * KB, 4 * KB], seconds: [2, 0], targetDuration: 2 })).toBe(816_000);
  });

  it('a playlist shorter than half the target is its own run (a one-frame clip)', () => {
    expect(peakBitRate({ bytes: [9400], seconds: [0.04], targetDuration: 1 })).toBe((8 * 9400) / 0.04);
    expect(peakBitRate({ bytes: [9400], seconds: [0], targetDuration: 1 })).toBe(0);
  });

  it('with two texts of the durations, a run counts under either and is divided by the shorter', () => {
    // Target 2: runs of 1..3 s. Published 1.000 vs mp42hls 0.9996: [0] is in range only by the first,
    // and its rate is taken over 0.9996 s.
    const peak = peakBitRate({ bytes: [100 * KB, 10 * KB], seconds: [1, 2], otherSeconds: [0.9996, 2], targetDuration: 2 });
    expect(peak).toBeCloseTo((8 * 100 * KB) / 0.9996, 6);
  });
});
