// The segment a rendition makes first (store/playlist-requests.ts): segment 1 of a rendition whose
// media playlist was just answered early, or the segment whose request started the rendition.
// Made from the plan in memory right after the answer (or the plan), before the rest of the
// rendition (its bit-rate predictions, its index, its writes and its commit), and answered from
// memory to the segment's request; it is committed with the rendition (docs/architecture.md,
// "A cold rendition's first segment"). Kept only while its rendition is being made: at most one
// segment per packaging slot.
import type { Stats } from 'node:fs';
import type { ToolTiming } from '../../shared/run-tool.js';

export interface FirstSegment {
  /** 1-based, as in segment<N>_0_av.ts. */
  readonly number: number;
  /** Its bytes once made and its file created; null when making it failed (its request then
   * makes it as any other's). */
  readonly made: Promise<MadeSegment | null>;
  /** How many segments the rendition has. */
  readonly segments: number;
  /** The mp42hls run's time, for the answer's Server-Timing. */
  readonly timing: ToolTiming;
  /** A request answering it from memory hands over its answer's end, which the rest of the
   * rendition waits for; true for the first such request (a MISS; those after it waited: WAIT). */
  answering(sent: Promise<unknown>): boolean;
}

// The rest of the rendition waits at most this long for an answer still being written: a slow
// client delays the commit no further.
const ANSWER_WAIT_MS = 100;
const noFailure = () => {};

/** A segment made and its file created, not yet written: its bytes and what the validators of
 * the file, once committed, come from (origin/http/static-file.ts sendMadeFile). */
export interface MadeSegment {
  readonly bytes: Uint8Array;
  readonly stat: { readonly size: number; readonly ino: number; readonly birthtimeMs: number; readonly ctimeMs: number };
}

// `stat`: the file's, taken once it was created (empty); its size will be the bytes'. A commit
// by rename keeps the inode and the birth time.
export function madeSegment(bytes: Uint8Array, { ino, birthtimeMs, ctimeMs }: Stats): MadeSegment {
  return { bytes, stat: { size: bytes.length, ino, birthtimeMs, ctimeMs } };
}

/** What a request that starts a rendition made from the moov, or makes a segment alone, gets
 * before the commit. */
export interface EarlyWork {
  /** The media playlist's text, as soon as it is known (docs/architecture.md, "A cold playlist answered early"). */
  readonly playlist?: (text: string) => void;
  /** This segment, made first (`taken` gets it when it is registered); without it, segment 1 after an early playlist. */
  readonly segment?: { readonly number: number; readonly taken: (first: FirstSegment) => void };
  /** The segment asked for, made alone (store/segment-requests.ts), as soon as its file is created. */
  readonly made?: (segment: MadeSegment) => void;
}

export class FirstSegments {
  private readonly making = new Map<string, FirstSegment>();

  // Registers the segment being made; `answered` resolves once a request took it and wrote its
  // answer (or gave up waiting), or at once when none took it yet; `end` forgets it.
  start(renditionPath: string, made: Omit<FirstSegment, 'answering'>) {
    let sent: Promise<void> | null = null;
    const entry: FirstSegment = {
      ...made,
      answering: (answer) => {
        const done = answer.then(noFailure, noFailure); // a client gone is no failure of the rendition
        if (sent) return false;
        sent = done;
        return true;
      },
    };
    this.making.set(renditionPath, entry);
    return {
      entry,
      answered: async (): Promise<void> => {
        if (!sent) return;
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ANSWER_WAIT_MS)));
        await Promise.race([sent, waited]);
        clearTimeout(timer);
      },
      end: () => {
        if (this.making.get(renditionPath) === entry) this.making.delete(renditionPath);
      },
    };
  }

  /** Segment `segmentNumber` (1-based) of a rendition being made, when it is the one made first. */
  get(renditionPath: string, segmentNumber: number): FirstSegment | undefined {
    const entry = this.making.get(renditionPath);
    return entry?.number === segmentNumber ? entry : undefined;
  }
}
