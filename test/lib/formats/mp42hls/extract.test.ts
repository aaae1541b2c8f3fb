// Every segment packaged alone from its extract against the same segment of a whole-file
// mp42hls run: identical bytes once both have normalised continuity counters, and without
// normalisation they differ in nothing but continuity counters.
import { describe, expect, it } from 'vitest';
import { buildSegmentExtract } from '../../../../src/lib/formats/mp42hls/extract.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { ALONE_SEGMENT_DURATION, planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { normaliseContinuity } from '../../../../src/lib/formats/mpegts/continuity.js';
import { dropTrailingPes } from '../../../../src/lib/formats/mpegts/drop-trailing-pes.js';
import { PLAYABLE, media, mp42hlsBytes, readMoov, readSpan, wholeFile } from '../helpers/mp42hls-oracle.js';

const DURATIONS = [2, 6, 10];

// Continuity counters may differ before normalisation, so CC nibbles are counted apart from other differences.
function differences(a: Uint8Array, b: Uint8Array): { cc: number; other: number[] } {
  let cc = 0;
  const other: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (i % 188 === 3 && ((a[i] ^ b[i]) & 0xf0) === 0) cc++;
    else other.push(i);
  }
  return { cc, other };
}

let segmentsWithCcDifferences = 0;

describe('a segment packaged alone from its extract', () => {
  const cases = PLAYABLE.flatMap((name) => DURATIONS.map((d) => [name, d] as const));

  it.each(cases)('%s at %i s: same bytes as the whole-file run once normalised', async (name, duration) => {
    const moov = await readMoov(media(name));
    const movie = parseMoov(moov);
    const plan = planSegments(movie, duration);
    const whole = await wholeFile(name, duration);
    expect(plan.segments.length).toBe(whole.segments.length);
    await Promise.all(
      plan.segments.map(async (segment) => {
        const label = `${name} @${duration}s segment ${segment.index}`;
        expect(segment.standalone, label).toBe(true);
        const extract = buildSegmentExtract(moov, movie, plan, segment.index, readSpan(media(name), segment.span.start, segment.span.end));
        const alone = await mp42hlsBytes(extract, ALONE_SEGMENT_DURATION);
        expect(alone.segments.length, label).toBe(1);
        const [mine, theirs] = [alone.segments[0], whole.segments[segment.index]];
        expect(mine.length, label).toBe(theirs.length);
        const raw = differences(mine, theirs);
        expect(raw.other, `${label}: bytes other than CC differ`).toEqual([]);
        if (raw.cc > 0) segmentsWithCcDifferences++;
        expect(segment.audioLookahead, label).toBe(0);
        const normalised = normaliseContinuity(dropTrailingPes(mine, segment.audioLookahead), segment.index);
        expect(Buffer.from(normalised).equals(normaliseContinuity(theirs, segment.index)), label).toBe(true);
      }),
    );
  });

  it('the raw segments did differ in continuity counters, so normalisation was needed', () => {
    expect(segmentsWithCcDifferences).toBeGreaterThan(0);
  });

  it('refuses a span of the wrong length and a segment that does not exist', async () => {
    const moov = await readMoov(media('av.mp4'));
    const movie = parseMoov(moov);
    const plan = planSegments(movie, 6);
    const { span } = plan.segments[0];
    expect(() => buildSegmentExtract(moov, movie, plan, 0, new Uint8Array(span.end - span.start - 1))).toThrow(RangeError);
    expect(() => buildSegmentExtract(moov, movie, plan, plan.segments.length, new Uint8Array(0))).toThrow(RangeError);
  });
});
