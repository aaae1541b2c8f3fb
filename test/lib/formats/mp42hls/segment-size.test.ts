// predictSegmentBytes / predictBandwidth / predictIFrameBandwidth against the real mp42hls: every
// playable fixture at 2 s and 6 s, whole-file runs, each segment normalised with
// normaliseContinuity as casterpak serves it; the I-frame rates against the I-frame playlist
// casterpak builds from those segments (createIFramePlaylist on a buildMediaPlaylist rendition).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INDEX_PLAYLIST, segmentName } from '../../../../src/lib/cache/names.js';
import { parseMediaPlaylist } from '../../../../src/lib/formats/hls/codec.js';
import { Mp4FormatError } from '../../../../src/lib/formats/mp4/errors.js';
import { parseMoov, type Movie } from '../../../../src/lib/formats/mp4/moov.js';
import { planSegments, type SegmentPlan } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { predictBandwidth, predictIFrameBandwidth, predictSegmentBytes } from '../../../../src/lib/formats/mp42hls/segment-size.js';
import { normaliseContinuity } from '../../../../src/lib/formats/mpegts/continuity.js';
import { buildMediaPlaylist } from '../../../../src/lib/packaging/media-playlist.js';
import { createIFramePlaylist, fileLoader } from '../../../../src/lib/trick-play/iframe-playlist-maker.js';
import { iframeBitrates } from '../../../../src/lib/trick-play/iframe-variant.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { PLAYABLE, media, readMoov, wholeFile } from '../helpers/mp42hls-oracle.js';

const DURATIONS = [2, 6];
const CASES = PLAYABLE.flatMap((name) => DURATIONS.map((d) => [name, d] as const));
const VIDEO_CASES = CASES.filter(([name]) => name !== 'audio-only.mp4');

const movies = new Map<string, Promise<Movie>>();
const movieOf = (name: string): Promise<Movie> => {
  if (!movies.has(name)) movies.set(name, readMoov(media(name)).then(parseMoov));
  return movies.get(name)!;
};

interface Real {
  readonly plan: SegmentPlan;
  readonly extinfs: readonly string[];
  /** Each segment after normaliseContinuity, as casterpak serves it. */
  readonly segments: readonly Uint8Array[];
}

async function realOf(name: string, duration: number): Promise<Real> {
  const [movie, run] = await Promise.all([movieOf(name), wholeFile(name, duration)]);
  return {
    plan: planSegments(movie, duration),
    extinfs: run.extinfs,
    segments: run.segments.map((ts, i) => normaliseContinuity(ts, i)),
  };
}

// RFC 8216 §4.3.4.2 by brute force over real sizes: every run of contiguous segments that
// lasts 0.5–1.5 × the target duration of the playlist casterpak publishes (millisecond EXTINFs)
// or by mp42hls's "%f" EXTINFs, its rate over the shorter reading; no run: the whole playlist.
function realBandwidth(real: Real): { peak: number; average: number } {
  const exact = real.extinfs.map(Number);
  const published = exact.map((d) => Math.round(d * 1000) / 1000);
  const target = Math.max(1, ...published.map((d) => Math.round(d)));
  const sizes = real.segments.map((ts) => ts.length);
  const sum = (xs: readonly number[], i: number, j: number): number => xs.slice(i, j + 1).reduce((a, b) => a + b, 0);
  const within = (s: number): boolean => s > 0 && s >= 0.5 * target && s <= 1.5 * target;
  let peak = -1;
  for (let i = 0; i < sizes.length; i++)
    for (let j = i; j < sizes.length; j++)
      if (within(sum(published, i, j)) || within(sum(exact, i, j)))
        peak = Math.max(peak, (8 * sum(sizes, i, j)) / Math.min(sum(published, i, j), sum(exact, i, j)));
  const bytes = sum(sizes, 0, sizes.length - 1);
  const seconds = sum(exact, 0, exact.length - 1);
  return { peak: peak < 0 ? (8 * bytes) / seconds : peak, average: (8 * bytes) / seconds };
}

describe('predictSegmentBytes against real normalised mp42hls segments', () => {
  it.each(CASES)('%s at %i s: every segment size is exact', async (name, duration) => {
    const real = await realOf(name, duration);
    expect(real.plan.segments.length).toBe(real.segments.length);
    const predicted = real.plan.segments.map((_, i) => predictSegmentBytes(real.plan, i));
    expect(predicted).toEqual(real.segments.map((ts) => ts.length));
  });

  it('refuses an index outside the plan', async () => {
    const { plan } = await realOf('av.mp4', 2);
    expect(() => predictSegmentBytes(plan, plan.segments.length)).toThrow(RangeError);
    expect(() => predictSegmentBytes(plan, 0.5)).toThrow(RangeError);
  });

  it('refuses codecs mp42hls cannot write to MPEG-TS', async () => {
    const plan = planSegments(await movieOf('av.mp4'), 2);
    const opus = { ...plan, audioTrack: { ...plan.audioTrack!, format: 'Opus' } };
    expect(() => predictSegmentBytes(opus, 0)).toThrow(Mp4FormatError);
  });
});

describe('predictBandwidth against real segment sizes and EXTINFs', () => {
  it.each(CASES)('%s at %i s: peak in [real, 1.10 × real] (exact here, rounded up), average exact', async (name, duration) => {
    const real = await realOf(name, duration);
    const predicted = predictBandwidth(real.plan);
    const expected = realBandwidth(real);
    expect(predicted.peak).toBeGreaterThanOrEqual(expected.peak);
    expect(predicted.peak).toBeLessThanOrEqual(1.1 * expected.peak);
    expect(predicted.peak).toBe(Math.ceil(expected.peak));
    expect(predicted.average).toBe(Math.ceil(expected.average));
  });

  // RFC 8216 §4.3.4.2: the tail is no run of its own (0 s), but its bytes count in the run before it.
  it.each(DURATIONS)('audio-only at %i s: the 0.000000 s tail segment does not inflate the peak', async (duration) => {
    const real = await realOf('audio-only.mp4', duration);
    expect(real.plan.trailingZeroSegment).toBe(true);
    const counted = real.segments.slice(0, -1);
    const seconds = real.extinfs.slice(0, -1).reduce((sum, d) => sum + Number(d), 0);
    const rate = (8 * counted.reduce((sum, ts) => sum + ts.length, 0)) / seconds;
    const { peak } = predictBandwidth(real.plan);
    expect(peak).toBeGreaterThanOrEqual(rate);
    expect(peak).toBeLessThanOrEqual(1.1 * realBandwidth(real).peak);
    expect(peak).toBeLessThan(100_000); // 48 kb/s AAC in ADTS, PES and TS packets
  });
});

describe('predictIFrameBandwidth against the I-frame playlist casterpak builds', () => {
  it.each(VIDEO_CASES)('%s at %i s: peak in [real, 1.10 × real] (exact here), average exact', async (name, duration) => {
    const real = await realOf(name, duration);
    const dir = tempDir();
    real.segments.forEach((ts, i) => writeFileSync(path.join(dir, segmentName(i + 1)), ts));
    writeFileSync(path.join(dir, INDEX_PLAYLIST), buildMediaPlaylist(real.extinfs.map(Number), { segmentBaseUrl: null }));
    const made = await createIFramePlaylist(pathToFileURL(path.join(dir, INDEX_PLAYLIST)), fileLoader());
    const expected = iframeBitrates(parseMediaPlaylist(made.playlist));
    const predicted = predictIFrameBandwidth(real.plan);
    expect(predicted.peak).toBeGreaterThanOrEqual(expected.peak);
    expect(predicted.peak).toBeLessThanOrEqual(1.1 * expected.peak);
    expect(predicted.peak).toBe(expected.peak);
    expect(predicted.average).toBe(expected.average);
    expect(made.keyFrames).toBe(real.plan.videoTrack!.samples.sync.reduce((n, s) => n + s, 0));
  });

  it('audio only: no I-frame variant, zero rates', async () => {
    expect(predictIFrameBandwidth(planSegments(await movieOf('audio-only.mp4'), 2))).toEqual({ peak: 0, average: 0 });
  });
});
