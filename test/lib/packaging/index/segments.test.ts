// A loaded index's segments kept as columns give back each segment as the header's JSON had it,
// and refuse a header whose segments do not have the fields of its tracks.
import { describe, expect, it } from 'vitest';
import { segmentColumns, type IndexSegment } from '../../../../src/lib/packaging/index/segments.js';
import { generator } from '../../../helpers/random.js';

function randomSegments(seed: number, tracks: number, count: number): IndexSegment[] {
  const random = generator(seed);
  const int = (max: number) => Math.floor(random() * max);
  // Decode times and offsets past 2^32 and up to 2^53, as a long film's are.
  const big = () => (random() < 0.5 ? int(1000) : Math.floor(random() * 2 ** 53));
  return Array.from({ length: count }, () => ({
    extinf: (random() * 12).toFixed(6),
    ranges: Array.from({ length: tracks }, () => [int(1e6), int(1e6), big()] as const),
    records: [big(), ...Array.from({ length: tracks }, () => int(1e5))],
    lookahead: int(3),
    pes: Array.from({ length: tracks }, () => int(500)),
    span: [big(), big()] as const,
    standalone: random() < 0.9,
    bytes: int(2 ** 31) + 0.5 * int(2),
  }));
}

describe('segmentColumns', () => {
  it.each([1, 2])('gives back every segment of %i track(s) as it was, in order, by position and by iteration', (tracks) => {
    for (const seed of [1, 7, 99]) {
      const segments = randomSegments(seed * tracks, tracks, 300);
      const columns = segmentColumns(segments, tracks);
      expect(columns.length).toBe(segments.length);
      expect([...columns]).toEqual(segments);
      for (const position of [0, 1, 150, 299]) expect(columns.at(position)).toEqual(segments[position]);
      expect(segments.map((_, position) => columns.bytesAt(position))).toEqual(segments.map((s) => s.bytes));
    }
  });

  it('has no segment outside its positions', () => {
    const columns = segmentColumns(randomSegments(3, 2, 4), 2);
    for (const position of [-1, 4, 1.5, Number.NaN]) {
      expect(columns.at(position)).toBeUndefined();
      expect(columns.bytesAt(position)).toBeUndefined();
    }
    expect([...segmentColumns([], 2)]).toEqual([]);
  });

  it('refuses segments without the fields of the header’s tracks, or with fields of another kind', () => {
    const [segment] = randomSegments(5, 2, 1);
    expect(() => segmentColumns([segment], 1)).toThrow(/fields of 1 tracks/);
    expect(() => segmentColumns([{ ...segment, pes: [1] }], 2)).toThrow(/fields of 2 tracks/);
    expect(() => segmentColumns([{ ...segment, span: [1] as unknown as readonly [number, number] }], 2)).toThrow(/fields/);
    expect(() => segmentColumns([{ ...segment, lookahead: '1' as unknown as number }], 2)).toThrow(/string, not a number/);
    expect(() => segmentColumns([{ ...segment, records: [1, null, 2] as unknown as number[] }], 2)).toThrow(/not a number/);
    expect(() => segmentColumns([{ ...segment, extinf: 10 as unknown as string }], 2)).toThrow(/duration/);
    expect(() => segmentColumns([{ ...segment, standalone: 1 as unknown as boolean }], 2)).toThrow(/stands alone/);
  });
});
