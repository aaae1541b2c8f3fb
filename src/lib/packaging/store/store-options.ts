// What a rendition store is made with (packaging/rendition-store.ts), and what of it its request
// handlers use.
import type { CacheLayout } from '../../cache/names.js';
import type { Bento4 } from '../bento4.js';
import type { JobLimiter } from '../job-limiter.js';
import type { Derivations } from '../segment-maker.js';
import type { SourceReader } from '../source/source-reader.js';
import type { RenditionInfo } from '../../cache/rendition-info.js';
import type { PackagingEvent, StoreJob } from './store-job.js';
import type { RenditionEntries } from './rendition-entries.js';
import type { CacheStatus, SingleRun } from './single-run.js';

export interface RenditionStoreOptions {
  readonly bento4: Bento4;
  readonly layout: CacheLayout;
  readonly segmentDuration: number;
  readonly publicBaseUrl: string | null;
  readonly failureTtlMs: number;
  readonly limiter?: JobLimiter;
  /** The local file of a rendition's source (downloading a remote one whole). */
  readonly resolveSource: (renditionPath: string, signal?: AbortSignal) => Promise<string>;
  /** A reader of the source that fetches only what is asked; default: the resolved file. */
  readonly openSource?: (renditionPath: string, signal?: AbortSignal) => Promise<SourceReader>;
  readonly onPackaging?: (event: PackagingEvent) => void;
  /** A source packaged whole-file although the pinned Bento4 could make its segments alone. */
  readonly onWholeFile?: (renditionPath: string, reason: string) => void;
  /** Renditions derived on demand from a source (renditions/); none without. */
  readonly derivations?: Derivations;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

// What of the rendition store its request handlers (store/*-requests.ts) use.
export interface StoreContext {
  readonly options: RenditionStoreOptions;
  readonly runs: SingleRun;
  readonly entries: RenditionEntries;
  info(renditionPath: string): Promise<RenditionInfo | null>;
  open(renditionPath: string): Promise<SourceReader>;
  job<T>(job: StoreJob<T>): Promise<T>;
  repairWholeFile(renditionPath: string, wanted: string): Promise<CacheStatus>;
}
