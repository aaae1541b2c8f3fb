// What a rendition store is made with (packaging/rendition-store.ts), what of it its request
// handlers (store/*-requests.ts) use, and one piece of its work under a job slot, timed and
// reported (metrics, logs, the HEVC warning) as a `PackagingEvent`.
import type { CommitOutcome } from '../../cache/commit.js';
import type { CacheLayout } from '../../cache/names.js';
import type { RenditionInfo } from '../../cache/rendition-info.js';
import type { MediaInfo } from '../../formats/mp4/media-info.js';
import type { Movie } from '../../formats/mp4/moov.js';
import type { Bento4 } from '../bento4.js';
import type { JobLimiter } from '../job-limiter.js';
import type { Derivations } from '../segment-maker.js';
import type { SourceReader } from '../source/source-reader.js';
import type { RenditionEntries } from './rendition-entries.js';
import type { FirstSegments } from './first-segments.js';
import type { CacheStatus, SingleRun } from './single-run.js';

export interface RenditionStoreOptions {
  readonly bento4: Bento4;
  readonly layout: CacheLayout;
  readonly segmentDuration: number;
  readonly publicBaseUrl: string | null;
  readonly failureTtlMs: number;
  readonly limiter?: JobLimiter;
  /** Whole-file runs also wait for a slot of this one (serve.maxWholeFileJobs), so that films hold few slots. */
  readonly wholeFileLimiter?: JobLimiter;
  /** The local file of a rendition's source (downloading a remote one whole). */
  readonly resolveSource: (renditionPath: string, signal?: AbortSignal) => Promise<string>;
  /** A reader of the source that fetches only what is asked; default: the resolved file. */
  readonly openSource?: (renditionPath: string, signal?: AbortSignal) => Promise<SourceReader>;
  readonly onPackaging?: (event: PackagingEvent) => void;
  /** Told how many media playlists are being made at once, each time that changes (serve's heap growth). */
  readonly onPlaylistRuns?: (running: number) => void;
  /** A source packaged whole-file although the pinned Bento4 could make its segments alone. */
  readonly onWholeFile?: (renditionPath: string, reason: string) => void;
  /** Renditions derived on demand from a source (renditions/); none without. */
  readonly derivations?: Derivations;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  /** A media playlist answered early has its first segment made right after (store/first-segments.ts; serve.readAhead > 0). */
  readonly firstSegmentAhead?: boolean;
}

export interface StoreContext {
  readonly options: RenditionStoreOptions;
  readonly runs: SingleRun;
  readonly entries: RenditionEntries;
  readonly firstSegments: FirstSegments;
  info(renditionPath: string): Promise<RenditionInfo | null>;
  open(renditionPath: string): Promise<SourceReader>;
  job<T>(job: StoreJob<T>): Promise<T>;
  repairWholeFile(renditionPath: string, wanted: string): Promise<CacheStatus>;
}

export interface PackagingEvent {
  readonly renditionPath: string;
  /** playlist: answered from the moov; segment: one made alone; transcode: a derived one; rendition: a whole-file run;
   * audio: an audio rendition's playlist or segment (docs/tracks.md); fmp4: a file of the fMP4 form (docs/formats.md). */
  readonly what: 'playlist' | 'segment' | 'transcode' | 'rendition' | 'audio' | 'fmp4';
  readonly outcome: CommitOutcome | 'failed';
  readonly durationMs: number;
  readonly sourceBytes: number;
  readonly error?: unknown;
  /** What a playlist or whole-file run found in the source (the origin warns about HEVC from it). */
  readonly media?: MediaInfo;
  /** The source's moov, when the run read it for the source's own rendition (packaging/store/gop-warning.ts). */
  readonly movie?: Movie;
}

export interface StoreJob<T> {
  readonly renditionPath: string;
  readonly what: PackagingEvent['what'];
  /** The source read, for the bytes it read; null when the work opens its own. */
  readonly source: SourceReader | null;
  readonly limiter: Pick<JobLimiter, 'run'> | undefined;
  readonly work: () => Promise<T>;
  /** What the work did; null when it handed over to other work that reports itself. */
  readonly outcomeOf: (result: T) => CommitOutcome | null;
  readonly mediaOf?: (result: T) => MediaInfo;
  readonly movieOf?: (result: T) => Movie | undefined;
}

// Timed from when the work starts (not the wait for a slot); a full queue's refusal is no run.
// `counted` is told when the work starts (+1) and ends (-1).
export async function runStoreJob<T>(
  job: StoreJob<T>,
  onPackaging: ((event: PackagingEvent) => void) | undefined,
  counted?: (change: 1 | -1) => void,
): Promise<T> {
  let started = 0;
  const timed = async () => {
    started = Date.now();
    counted?.(1);
    try {
      return await job.work();
    } finally {
      counted?.(-1);
    }
  };
  const report = (outcome: PackagingEvent['outcome'], error?: unknown, media?: MediaInfo, movie?: Movie) =>
    onPackaging?.({
      renditionPath: job.renditionPath,
      what: job.what,
      outcome,
      durationMs: Date.now() - started,
      sourceBytes: job.source?.bytesRead ?? 0,
      error,
      ...(media ? { media } : {}),
      ...(movie ? { movie } : {}),
    });
  try {
    const result = await (job.limiter ? job.limiter.run(timed) : timed());
    const outcome = job.outcomeOf(result);
    if (outcome !== null) report(outcome, undefined, job.mediaOf?.(result), job.movieOf?.(result));
    return result;
  } catch (error) {
    if (started !== 0) report('failed', error);
    throw error;
  }
}
