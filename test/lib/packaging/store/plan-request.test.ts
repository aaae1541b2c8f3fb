// The rendition store's one decision, as a table: what is known → the one handler that runs.
import { describe, expect, it } from 'vitest';
import {
  planRequest,
  refusal,
  WHOLE_FILE_FROM,
  type RequestFacts,
  type RequestPlan,
} from '../../../../src/lib/packaging/store/plan-request.js';

const source = { pinned: true, derivedFrom: null };
const derived = { pinned: true, derivedFrom: 'film.mp4' };
const other = { pinned: false, derivedFrom: null };

const TABLE: ReadonlyArray<[string, RequestFacts, RequestPlan['kind'], string | null]> = [
  // playlist: [name, facts, kind, because or refusal code]
  ['playlist, pinned, moov not read', { want: 'playlist', ...source }, 'read-moov', null],
  ['playlist, pinned, every segment alone', { want: 'playlist', ...source, wholeFileBecause: null }, 'moov-playlist', null],
  ['playlist, pinned, fragmented', { want: 'playlist', ...source, wholeFileBecause: 'a fragmented MP4' }, 'whole-file', 'a fragmented MP4'],
  ['playlist, another Bento4', { want: 'playlist', ...other }, 'whole-file', null],
  ['playlist, another Bento4, moov said why', { want: 'playlist', ...other, wholeFileBecause: 'x' }, 'whole-file', null],
  ['derived playlist, moov not read', { want: 'playlist', ...derived }, 'read-moov', null],
  ['derived playlist, every segment alone', { want: 'playlist', ...derived, wholeFileBecause: null }, 'moov-playlist', null],
  ['derived playlist, not alone', { want: 'playlist', ...derived, wholeFileBecause: 'segment 3' }, 'refused', 'UNSUPPORTED_MEDIA'],
  ['derived playlist, another Bento4', { want: 'playlist', ...derived, pinned: false }, 'refused', 'TOOL_MISSING'],
  // segment
  ['segment, indexed, standalone', { want: 'segment', ...source, indexed: true, standalone: true }, 'segment-alone', null],
  ['segment, indexed, not standalone', { want: 'segment', ...source, indexed: true, standalone: false }, 'whole-file', null],
  ['segment, no index', { want: 'segment', ...source, indexed: false }, 'whole-file', null],
  ['segment, another Bento4', { want: 'segment', ...other, indexed: true, standalone: true }, 'whole-file', null],
  [
    'segment, made alone but failed',
    { want: 'segment', ...source, indexed: true, standalone: true, aloneFailed: 'wrote 2' },
    'whole-file',
    'wrote 2',
  ],
  ['derived segment', { want: 'segment', ...derived, indexed: true, standalone: false }, 'derived-segment', null],
  ['derived segment, failed', { want: 'segment', ...derived, indexed: true, standalone: true, aloneFailed: 'x' }, 'derived-segment', null],
  ['derived segment, no index', { want: 'segment', ...derived, indexed: false }, 'refused', 'TOOL_MISSING'],
  ['derived segment, another Bento4', { want: 'segment', ...derived, pinned: false, indexed: true }, 'refused', 'TOOL_MISSING'],
  // every segment (an I-frame playlist)
  ['all, none missing', { want: 'all', ...source, missing: 0 }, 'nothing', null],
  ['all, a few missing', { want: 'all', ...source, missing: WHOLE_FILE_FROM }, 'each-segment', null],
  ['all, many missing', { want: 'all', ...source, missing: WHOLE_FILE_FROM + 1 }, 'whole-file', null],
  ['all, many missing, indexed', { want: 'all', ...source, missing: WHOLE_FILE_FROM + 1, indexed: true }, 'each-segment', null],
  ['all, many missing, indexed, another Bento4', { want: 'all', ...other, missing: 2, indexed: true }, 'whole-file', null],
  ['all, one missing, another Bento4', { want: 'all', ...other, missing: 1 }, 'whole-file', null],
  ['all derived, many missing', { want: 'all', ...derived, missing: 100 }, 'each-segment', null],
];

describe('planRequest', () => {
  it.each(TABLE)('%s', (_, facts, kind, detail) => {
    const plan = planRequest(facts);
    expect(plan.kind).toBe(kind);
    if (plan.kind === 'whole-file') expect(plan.because).toBe(detail);
    if (plan.kind === 'refused') expect(plan.code).toBe(detail);
  });

  it('names the source a derived rendition cannot be made from, and the rendition in the error', () => {
    const plan = planRequest({ want: 'playlist', ...derived, wholeFileBecause: 'a fragmented MP4' });
    expect(plan).toEqual({
      kind: 'refused',
      code: 'UNSUPPORTED_MEDIA',
      why: 'cannot be derived segment by segment from film.mp4: a fragmented MP4',
    });
    if (plan.kind !== 'refused') return;
    expect(refusal('film_144p.mp4', plan)).toMatchObject({
      code: 'UNSUPPORTED_MEDIA',
      message: 'film_144p.mp4: cannot be derived segment by segment from film.mp4: a fragmented MP4',
    });
  });
});
