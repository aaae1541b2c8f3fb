// A rendition's media playlist as players get it: for any durations the plan or mp42hls can give
// (finite, not negative) and any rendition path, the builder's text passes the strict parser, so
// renditionPlaylist checks the durations only; anything else is refused before a byte is written.
import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { renditionPlaylist } from '../../../src/lib/packaging/rendition-writer.js';
import { generator } from '../../helpers/random.js';

const PATHS = ['film.mp4', 'a b/c d.mp4', 'films/2024/été #1.mp4', 'x/y/z/%41?.mp4'];
const EDGES = [0, 0.0004, 0.0005, 0.9995, 1.4995, 9.9995, 10.0004, 10.5, 10.4999, 29.97];

describe('renditionPlaylist', () => {
  it('passes the strict parser for 2,000 random playlists, with their durations to the millisecond', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const random = generator(seed);
      const count = 1 + Math.floor(random() * 40);
      const durations = Array.from({ length: count }, () =>
        random() < 0.2 ? EDGES[Math.floor(random() * EDGES.length)] : Math.round(random() * 12_000_000) / 1e6,
      );
      const path = PATHS[seed % PATHS.length];
      const base = seed % 2 === 0 ? null : 'https://cdn.example:8443/vod';
      const text = renditionPlaylist(durations, base, path);
      const parsed = parseMediaPlaylist(text);
      expect(
        parsed.segments.map((s) => s.duration),
        `seed ${seed}`,
      ).toEqual(durations.map((d) => Math.round(d * 1000) / 1000));
      expect(parsed.endlist).toBe(true);
      if (base) expect(parsed.segments[0].uri.startsWith(`${base}/i/`)).toBe(true);
    }
  });

  it.each([
    ['not a number', NaN],
    ['infinite', Infinity],
    ['negative', -0.04],
  ])('refuses a duration that is %s', (_, bad) => {
    expect(() => renditionPlaylist([10, bad, 4], null, 'film.mp4')).toThrow(
      expect.objectContaining({ code: 'BAD_PLAYLIST', message: expect.stringMatching(/film\.mp4: segment 2 /) }),
    );
  });
});
