// The first segment of a rendition whose media playlist was just answered early
// (store/playlist-requests.ts): made from the plan in memory right after the answer, before the
// rest of the rendition (its bit-rate predictions, its index, its writes and its commit), and
// answered from memory to the segment request a player sends next; it is committed with the
// rendition (docs/architecture.md, "A cold playlist's first segment"). Kept only while its
// rendition is being made: at most one segment per packaging slot.
import type { ToolTiming } from '../../shared/run-tool.js';

export interface FirstSegment {
  /** Its bytes once made; null when making it failed (its request then makes it as any other's). */
  readonly bytes: Promise<Uint8Array | null>;
  /** How many segments the rendition has. */
  readonly segments: number;
  /** The mp42hls run's time, for the answer's Server-Timing. */
  readonly timing: ToolTiming;
  /** A request answering it from memory hands over its answer's end, which the rest of the rendition waits for. */
  answering(sent: Promise<unknown>): void;
}

// The rest of the rendition waits at most this long for an answer still being written: a slow
// client delays the commit no further.
const ANSWER_WAIT_MS = 100;
const noFailure = () => {};

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
        sent ??= done;
      },
    };
    this.making.set(renditionPath, entry);
    return {
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
    return segmentNumber === 1 ? this.making.get(renditionPath) : undefined;
  }
}
