// A derived rendition never advertises more than its source (renditions/rate-cap.ts): the pure
// rule, then through a real origin with a profile richer than the source, where the segments
// ffmpeg makes must still fit the lowered BANDWIDTH.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LADDER } from '../../../src/lib/config/ladder.js';
import { derivedBitrates } from '../../../src/lib/renditions/ladder-plan.js';
import { profileBelowSource } from '../../../src/lib/renditions/rate-cap.js';
import { startOrigin } from '../../helpers/origin.js';
import { extinfs, fetchOk, fetchText, segmentPath } from './helpers/derived.js';

describe('profileBelowSource', () => {
  it('keeps a profile already below the source as it is', () => {
    const p = DEFAULT_LADDER['540p'];
    expect(profileBelowSource(p, { peakBitrate: 20e6, averageBitrate: 10e6 }, 128_000, 10)).toBe(p);
  });

  it("lowers the issue's 540p under a 720p source of 2.99 Mbit/s by its VBV headroom, keeping its average", () => {
    const p = DEFAULT_LADDER['540p'];
    const source = { peakBitrate: 2_990_000, averageBitrate: 2_400_000 };
    expect(derivedBitrates(p, 128_000, 10).peak).toBeGreaterThan(source.peakBitrate); // the friction: 3.10 M above 2.99 M
    const lowered = profileBelowSource(p, source, 128_000, 10);
    const rates = derivedBitrates(lowered, 128_000, 10);
    expect(rates.peak).toBeLessThan(source.peakBitrate);
    expect(rates.peak).toBeGreaterThan(source.peakBitrate * 0.99); // no lower than it must be
    expect(lowered.videoBitrate).toBe(p.videoBitrate);
    expect(lowered.maxRate).toBeLessThan(p.maxRate);
    expect(lowered.maxRate).toBeGreaterThanOrEqual(p.videoBitrate);
    expect(lowered.bufSize).toBeGreaterThanOrEqual(p.videoBitrate);
  });

  it('lowers all three rates by one factor when even no headroom is too much', () => {
    const p = DEFAULT_LADDER['540p'];
    const source = { peakBitrate: 1_500_000, averageBitrate: 1_400_000 };
    const lowered = profileBelowSource(p, source, 128_000, 10);
    const rates = derivedBitrates(lowered, 128_000, 10);
    expect(rates.peak).toBeLessThan(source.peakBitrate);
    expect(rates.average).toBeLessThan(source.averageBitrate);
    expect(rates.peak).toBeGreaterThan(source.peakBitrate * 0.99);
    expect(lowered.videoBitrate).toBeLessThan(p.videoBitrate);
    expect(lowered.maxRate).toBe(lowered.videoBitrate);
    expect(lowered.bufSize).toBe(lowered.videoBitrate);
    expect({ ...lowered, videoBitrate: 0, maxRate: 0, bufSize: 0 }).toEqual({ ...p, videoBitrate: 0, maxRate: 0, bufSize: 0 });
  });
});

describe('a derived rendition of a poorer source', () => {
  it('advertises less than the source in the master, and its segments stay within what it advertises', async () => {
    // av.mp4 is 320x180 at about 200 kbit/s of video: a 144p profile at 400 kbit/s is richer.
    const ladder = { '144p': { height: 144, videoBitrate: '400k', profile: 'main', level: '3.0' } };
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { renditions: { ladder, inMaster: true }, serve: { readAhead: 0 } });
    const master = await fetchText(t, '/i/av.mp4/master.m3u8');
    const bandwidths = [...master.matchAll(/#EXT-X-STREAM-INF:.*?\bBANDWIDTH=(\d+).*\n(.+)/g)].map((m) => [m[2], Number(m[1])] as const);
    const source = bandwidths.find(([uri]) => !uri.includes('_144p'))![1];
    const derived = bandwidths.find(([uri]) => uri.includes('_144p'))![1];
    expect(derived).toBeLessThan(source);
    const info = await t.origin.store.info('av_144p.mp4');
    expect(info?.derived?.rates?.videoBitrate).toBeLessThan(400_000);
    const durations = extinfs(await fetchText(t, '/i/av_144p.mp4/index_0_av.m3u8')).map((l) => Number(/[\d.]+/.exec(l)![0]));
    for (const [i, seconds] of durations.entries()) {
      const bytes = await fetchOk(t, segmentPath('av_144p.mp4', i + 1));
      expect((bytes.length * 8) / seconds, `segment ${i + 1}`).toBeLessThanOrEqual(derived);
    }
  });
});
