import { describe, expect, it } from 'vitest';
import { csmilMismatches, DURATION_TOLERANCE_MS, type CsmilMember } from '../../../src/lib/masters/csmil-check.js';

const member = (renditionPath: string, overrides: Partial<CsmilMember> = {}): CsmilMember => ({
  renditionPath,
  durationMs: 60_000,
  frameRate: 25,
  audio: 'mp4a.40.2',
  ...overrides,
});

describe('csmilMismatches', () => {
  it('accepts encodings of one film: durations within the tolerance, frame rates equal up to rounding', () => {
    expect(
      csmilMismatches([member('a'), member('b', { durationMs: 60_000 + DURATION_TOLERANCE_MS }), member('c', { frameRate: 25.004 })]),
    ).toEqual([]);
    expect(csmilMismatches([])).toEqual([]);
  });

  it('names each rendition that differs from the first, and how', () => {
    expect(
      csmilMismatches([
        member('a'),
        member('b', { durationMs: 61_000 }),
        member('c', { frameRate: 30 }),
        member('d', { audio: 'ac-3' }),
        member('e', { frameRate: undefined, audio: undefined }),
      ]),
    ).toEqual([
      { rendition: 'b', comparedWith: 'a', differs: 'duration 61.0 s, not 60.0 s' },
      { rendition: 'c', comparedWith: 'a', differs: 'frame rate 30.000, not 25.000' },
      { rendition: 'd', comparedWith: 'a', differs: 'audio ac-3, not mp4a.40.2' },
      { rendition: 'e', comparedWith: 'a', differs: 'frame rate no video, not 25.000; audio none, not mp4a.40.2' },
    ]);
  });
});
