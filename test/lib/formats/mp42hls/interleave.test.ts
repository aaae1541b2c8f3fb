import { describe, expect, it } from 'vitest';
import { interleave, replaySamples, writesAllAlone, type TrackCursorInit } from '../../../../src/lib/formats/mp42hls/interleave.js';
import { timesReader } from '../../../../src/lib/formats/mp4/sample-tables.js';
import { generator } from '../../../helpers/random.js';

function track(random: () => number, count: number, timescale: number, step: number, start: number, goesBack: boolean): TrackCursorInit {
  const decodeTimes = new Float64Array(count);
  const sync = new Uint8Array(count);
  let t = start;
  for (let i = 0; i < count; i++) {
    decodeTimes[i] = t;
    sync[i] = i % 25 === 0 || random() < 0.05 ? 1 : 0;
    t += goesBack && random() < 0.1 ? -step * 3 : step * (random() < 0.5 ? 1 : 2); // whole steps: equal times are met
  }
  const a = Math.floor(random() * count);
  const b = a + Math.floor(random() * (count - a + 1));
  return { times: timesReader(decodeTimes), timescale, sync, start: a, end: b };
}

// The same track with its sync samples' indexes listed too (as a moov's stss gives them).
const listed = (t: TrackCursorInit): TrackCursorInit => ({ ...t, syncs: Uint32Array.from(t.sync.keys()).filter((i) => t.sync[i] === 1) });

// What interleave.ts's replay says: the samples alone are written in one segment, all of them.
function replayed(video: TrackCursorInit | undefined, audio: TrackCursorInit | undefined, duration: number, ac4: boolean): boolean {
  const alone = interleave(video, audio, duration, ac4);
  return alone.segments.length === 1 && (!video || alone.videoNext === video.end) && (!audio || alone.audioNext === audio.end);
}

describe('writesAllAlone', () => {
  it('agrees with the replay of mp42hls on 4,000 random sample ranges, written whole or not', () => {
    const outcomes = { true: 0, false: 0 };
    for (let seed = 1; seed <= 4000; seed++) {
      const random = generator(seed);
      const kind = seed % 4; // 0-1: video and audio; 2: video only; 3: audio only
      const goesBack = seed % 7 === 0;
      const video =
        kind === 3 ? undefined : track(random, 1 + Math.floor(random() * 300), 12800, 512, 512 * Math.floor(random() * 80), goesBack);
      // Every third on the video's clock and steps, so the last samples' times are often equal.
      const [timescale, step] = seed % 3 === 0 ? [12800, 512] : [48000, 1024];
      const audio =
        kind === 2 ? undefined : track(random, 1 + Math.floor(random() * 400), timescale, step, 512 * Math.floor(random() * 100), goesBack);
      // Short "alone" durations too, so a cut inside the range (the replay's path) is met.
      const duration = seed % 5 === 0 ? 2 + Math.floor(random() * 4) : 100000;
      const ac4 = kind === 3 && seed % 2 === 0;
      const want = replayed(video, audio, duration, ac4);
      expect(writesAllAlone(video, audio, duration, ac4), `seed ${seed}`).toBe(want);
      outcomes[String(want) as 'true' | 'false']++;
    }
    // Both answers were met often enough for the comparison to mean something.
    expect(outcomes.true).toBeGreaterThan(500);
    expect(outcomes.false).toBeGreaterThan(500);
  });
});

describe('interleave', () => {
  it('cuts at the video sync samples as the sample-by-sample replay does, on 4,000 random films', () => {
    let [cuts, dropped, empty] = [0, 0, 0];
    for (let seed = 1; seed <= 4000; seed++) {
      const random = generator(seed);
      const made = track(random, 1 + Math.floor(random() * 600), 12800, 512, 512 * Math.floor(random() * 300), false);
      const video = seed % 2 === 0 ? listed(made) : made; // the sync samples visited from their list, or found in the flags
      // Every third on the video's clock and steps (equal times); every fifth without audio.
      const [timescale, step] = seed % 3 === 0 ? [12800, 512] : [48000, 1024];
      const audio =
        seed % 5 === 0
          ? undefined
          : track(random, 1 + Math.floor(random() * 800), timescale, step, 512 * Math.floor(random() * 300), false);
      const duration = 1 + Math.floor(random() * 4);
      const want = replaySamples(video, audio, duration);
      expect(interleave(video, audio, duration), `seed ${seed}`).toEqual(want);
      cuts += want.segments.length;
      if (want.videoNext < video.end) dropped++;
      if (want.segments.length === 0) empty++;
    }
    // Films of many segments, films whose video outlasts the audio, and films with nothing written were all met.
    expect(cuts).toBeGreaterThan(5000);
    expect(dropped).toBeGreaterThan(500);
    expect(empty).toBeGreaterThan(50);
  });

  it('replays sample by sample when decode times go back', () => {
    const random = generator(7);
    const video = track(random, 400, 12800, 512, 0, true);
    const audio = track(random, 600, 48000, 1024, 0, false);
    expect(interleave(video, audio, 2)).toEqual(replaySamples(video, audio, 2));
  });
});
