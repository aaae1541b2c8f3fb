// planSegments against the real mp42hls: the EXTINF texts, their count and TARGETDURATION of
// its own playlist, for every playable fixture and segment duration; plus the bookkeeping
// (every sample in exactly one segment, byte spans no bigger than needed).
import { describe, expect, it } from 'vitest';
import { Mp4FormatError } from '../../../../src/lib/formats/mp4/errors.js';
import { parseMoov, type Movie } from '../../../../src/lib/formats/mp4/moov.js';
import { planOnPresentationTimeline, planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { PLAYABLE, media, readMoov, wholeFile } from '../helpers/mp42hls-oracle.js';
import { pesCounts } from '../helpers/ts-count.js';

const DURATIONS = [2, 6, 10];
const movies = new Map<string, Promise<Movie>>();
const movieOf = (name: string): Promise<Movie> => {
  if (!movies.has(name)) movies.set(name, readMoov(media(name)).then(parseMoov));
  return movies.get(name)!;
};

describe('planSegments predicts mp42hls', () => {
  const cases = PLAYABLE.flatMap((name) => DURATIONS.map((d) => [name, d] as const));

  it.each(cases)('%s at %i s: EXTINF texts, count and TARGETDURATION', async (name, duration) => {
    const [movie, real] = await Promise.all([movieOf(name), wholeFile(name, duration)]);
    const plan = planSegments(movie, duration);
    expect(plan.segments.map((s) => s.extinf)).toEqual(real.extinfs);
    expect(plan.targetDuration).toBe(real.targetDuration);
    expect(plan.segments.length).toBe(real.segments.length);
  });

  it.each(cases)('%s at %i s: the samples of each segment (mp42hls writes one PES per sample)', async (name, duration) => {
    const [movie, real] = await Promise.all([movieOf(name), wholeFile(name, duration)]);
    const plan = planSegments(movie, duration);
    const planned = plan.segments.map((s) => ({
      video: s.video ? s.video.end - s.video.start : 0,
      audio: s.audio ? s.audio.end - s.audio.start : 0,
    }));
    expect(planned).toEqual(real.segments.map(pesCounts));
  });

  it.each(cases)('%s at %i s: every sample in exactly one segment, in order', async (name, duration) => {
    const movie = await movieOf(name);
    const plan = planSegments(movie, duration);
    for (const [track, key] of [
      [plan.videoTrack, 'video'],
      [plan.audioTrack, 'audio'],
    ] as const) {
      if (!track) {
        expect(plan.segments.every((s) => s[key] === undefined)).toBe(true);
        continue;
      }
      let next = 0;
      for (const segment of plan.segments) {
        expect(segment[key]!.start).toBe(next);
        next = segment[key]!.end;
      }
      const dropped = key === 'video' ? plan.droppedVideoSamples : 0;
      expect(next + dropped).toBe(track.samples.count);
    }
    expect(plan.videoOutlastsAudio).toBe(plan.droppedVideoSamples > 0);
  });

  it.each(PLAYABLE)('%s: the chosen tracks are the first vide and first soun tracks', async (name) => {
    const movie = await movieOf(name);
    const plan = planSegments(movie, 6);
    expect(plan.videoTrack).toBe(movie.tracks.find((t) => t.handler === 'vide'));
    expect(plan.audioTrack).toBe(movie.tracks.find((t) => t.handler === 'soun'));
  });

  // At 2 s the span of av.mp4 reaches 1.11 x: ffmpeg interleaves audio about half a second
  // behind video, so a short segment's one contiguous range also spans neighbours' samples.
  it.each(DURATIONS)('av.mp4 at %i s: sample bytes <= span (<= 1.05 x sample bytes from 6 s)', async (duration) => {
    const plan = planSegments(await movieOf('av.mp4'), duration);
    for (const s of plan.segments) {
      const length = s.span.end - s.span.start;
      expect(s.sampleBytes).toBeGreaterThan(0);
      expect(length).toBeGreaterThanOrEqual(s.sampleBytes);
      if (duration >= 6) expect(length).toBeLessThanOrEqual(1.05 * s.sampleBytes);
    }
  });

  it('reports the quirks mp42hls shows on the fixtures', async () => {
    for (const name of PLAYABLE) {
      for (const duration of DURATIONS) {
        const plan = planSegments(await movieOf(name), duration);
        const real = await wholeFile(name, duration);
        expect(plan.trailingZeroSegment).toBe(real.extinfs.length > 1 && real.extinfs.at(-1) === '0.000000');
      }
    }
  });

  it('refuses a segment duration mp42hls could not be given, and a movie without video or audio', async () => {
    const movie = await movieOf('av.mp4');
    for (const bad of [0, -1, 2.5, Number.NaN]) expect(() => planSegments(movie, bad)).toThrow(RangeError);
    expect(() => planSegments({ ...movie, tracks: [] }, 6)).toThrow(Mp4FormatError);
  });
});

describe('what a plan reads', () => {
  it('cuts and times the segments without the sample offsets, which only their spans read', async () => {
    const movie = await movieOf('av.mp4');
    // The same tracks, their offsets refused.
    const blind: Movie = {
      ...movie,
      tracks: movie.tracks.map((t) => ({
        ...t,
        samples: Object.defineProperty({ ...t.samples }, 'offsets', { get: () => expect.fail('offsets read'), enumerable: true }),
      })),
    };
    const [plan, seen] = [planSegments(blind, 6), planSegments(movie, 6)];
    expect(plan.segments.map((s) => s.extinf)).toEqual(seen.segments.map((s) => s.extinf));
    expect(plan.segments.map((s) => s.standalone)).toEqual(seen.segments.map((s) => s.standalone));
    expect(() => plan.segments[0].span).toThrow(/offsets read/);
    // Nor on the presentation timeline, whose tracks keep the offsets unread (withTimes).
    const moved = planOnPresentationTimeline(blind, 6);
    expect(moved.movie === blind).toBe(false); // moved (toBe would compare them deeply, reading the offsets)
    expect(moved.plan.segments.length).toBe(seen.segments.length);
    expect(seen.segments[0].span.end).toBeGreaterThan(seen.segments[0].span.start);
  });
});
