// Makes sure a rendition (or one of its segments) is on disk, packaging it at most once:
// in-process callers share one promise, other processes wait on the lock file and poll the
// published directory, and a source that failed is remembered for failureTtlMs (also across
// processes, through a `.failed` marker beside the lock).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError, isCasterpakError, killedFromOutside, type ErrorCode } from '../shared/errors.js';
import { type CacheLayout, renditionKey, INDEX_PLAYLIST, segmentName } from '../cache/names.js';
import { segmentBaseUrl } from './media-playlist.js';
import { leftoverMaxAgeMs } from '../config/schema.js';
import type { JobLimiter } from './job-limiter.js';
import { readLockOwner, lockIsStale, tryLock } from '../cache/lock.js';
import { buildRendition } from './packager.js';
import { readRenditionInfo, type RenditionInfo } from '../cache/rendition-info.js';
import { commitRendition, type CommitOutcome } from '../cache/commit.js';
import type { Bento4 } from './bento4.js';

export type CacheStatus = 'HIT' | 'MISS' | 'WAIT';

export interface EnsureResult {
  readonly status: CacheStatus;
  readonly dir: string;
}

export interface PackagingEvent {
  readonly renditionPath: string;
  readonly outcome: CommitOutcome | 'failed';
  readonly durationMs: number;
  readonly error?: unknown;
}

export interface RenditionStoreOptions {
  readonly bento4: Bento4;
  readonly layout: CacheLayout;
  readonly segmentDuration: number;
  readonly publicBaseUrl: string | null;
  readonly failureTtlMs: number;
  readonly limiter?: JobLimiter;
  /** Resolves the local source file of a rendition (downloading it when remote). */
  readonly resolveSource: (renditionPath: string, signal?: AbortSignal) => Promise<string>;
  readonly onPackaging?: (event: PackagingEvent) => void;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly until: number;
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['OVERLOADED', 'CANCELLED', 'NO_SPACE']);

export class RenditionStore {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, Failure>();
  private readonly verified = new Set<string>();

  constructor(private readonly options: RenditionStoreOptions) {}

  get layout(): CacheLayout {
    return this.options.layout;
  }

  // `segment`: also make sure that segment file is present (it may have been pruned).
  async ensure(renditionPath: string, segment?: number): Promise<EnsureResult> {
    const dir = await this.insideDir(renditionPath);
    const wanted = path.join(dir, segment === undefined ? INDEX_PLAYLIST : segmentName(segment));
    if (await exists(wanted)) return { status: 'HIT', dir };
    const key = renditionKey(renditionPath);
    this.throwRememberedFailure(key);
    const running = this.inflight.get(key);
    if (running) {
      await running;
      if (await exists(wanted)) return { status: 'WAIT', dir };
    }
    let status: CacheStatus = 'MISS';
    const job = this.produce(renditionPath, key, wanted, () => this.runPackaging(renditionPath, key, false)).then((s) => {
      status = s;
    });
    this.inflight.set(key, job);
    try {
      await job;
    } finally {
      if (this.inflight.get(key) === job) this.inflight.delete(key);
    }
    if (!(await exists(wanted))) {
      throw new CasterpakError('NOT_FOUND', segment === undefined ? `${renditionPath}: no playlist` : `${renditionPath}: no segment ${segment}`);
    }
    return { status, dir };
  }

  // The rendition's directory, once it is known to resolve inside the cache directory. Files are
  // only read (and renditions only written) there; a planted symlink leading out is NOT_FOUND.
  // A verified rendition path is remembered, so the warm path pays the realpath calls once.
  async insideDir(renditionPath: string): Promise<string> {
    const dir = this.options.layout.renditionDir(renditionPath);
    if (this.verified.has(renditionPath)) return dir;
    if (await this.leadsOutside(dir)) throw new CasterpakError('NOT_FOUND', `${renditionPath}: leads outside the cache directory (symlink)`);
    if (this.verified.size >= 100_000) this.verified.clear();
    if (await exists(dir)) this.verified.add(renditionPath); // a directory not made yet is checked again once it is
    return dir;
  }

  // The deepest existing part of `dir` must resolve inside the cache directory's real path.
  private async leadsOutside(dir: string): Promise<boolean> {
    const root = path.resolve(this.options.layout.root);
    const realRoot = await fs.realpath(root).catch(() => root);
    for (let at = path.resolve(dir); at.startsWith(root + path.sep); at = path.dirname(at)) {
      try {
        const real = await fs.realpath(at);
        return real !== realRoot && !real.startsWith(realRoot + path.sep);
      } catch {
        // not there yet: its parent decides
      }
    }
    return false;
  }

  // `casterpak package`: reuse a complete rendition, or (force) package it again and replace it.
  // An incomplete one (pruned segments) is repaired, one made with other settings replaced.
  async make(renditionPath: string, force: boolean): Promise<CommitOutcome | 'reused'> {
    if (!force && (await this.isComplete(renditionPath))) return 'reused';
    const key = renditionKey(renditionPath);
    let outcome: CommitOutcome | 'reused' = 'reused';
    await this.produce(renditionPath, key, null, async () => {
      outcome = await this.runPackaging(renditionPath, key, force);
    });
    return outcome;
  }

  // Its playlist lists only segments that are on disk, with this store's URI base, and it was
  // made with this store's segment duration.
  private async isComplete(renditionPath: string): Promise<boolean> {
    const dir = this.options.layout.renditionDir(renditionPath);
    const [text, info] = await Promise.all([fs.readFile(path.join(dir, INDEX_PLAYLIST), 'utf8').catch(() => null), this.info(renditionPath)]);
    if (text === null || info?.segmentDuration !== this.options.segmentDuration) return false;
    const base = segmentBaseUrl(this.options.publicBaseUrl, renditionPath) ?? '';
    const uris = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    if (uris.length === 0 || uris.some((uri, i) => uri !== base + segmentName(i + 1))) return false;
    const present = await Promise.all(uris.map((_, i) => exists(path.join(dir, segmentName(i + 1)))));
    return present.every(Boolean);
  }

  // Information saved beside the rendition at packaging time (null when not packaged).
  async info(renditionPath: string): Promise<RenditionInfo | null> {
    return readRenditionInfo(this.options.layout.renditionDir(renditionPath));
  }

  private throwRememberedFailure(key: string): void {
    const failure = this.failures.get(key);
    if (!failure) return;
    if (failure.until > Date.now()) throw new CasterpakError(failure.code, failure.message);
    this.failures.delete(key);
  }

  // Runs `packaging` under the rendition's lock unless `wanted` appears first (null: always run).
  private async produce(renditionPath: string, key: string, wanted: string | null, packaging: () => Promise<unknown>): Promise<CacheStatus> {
    const lockFile = this.options.layout.lockFile(key);
    const failedFile = this.options.layout.failedFile(key);
    const deadline = Date.now() + leftoverMaxAgeMs(this.options) + 60_000; // a holder past this is dead or stuck
    let waited = false;
    while (Date.now() < deadline) {
      if (wanted !== null) await this.checkFailureMarker(key, failedFile);
      const lock = await tryLock(lockFile, renditionPath);
      if (lock) {
        try {
          if (wanted !== null && (await exists(wanted))) return waited ? 'WAIT' : 'HIT';
          await packaging();
          return waited ? 'WAIT' : 'MISS';
        } finally {
          await lock.release();
        }
      }
      // Another process is packaging it: wait for its result, or for its lock to go stale.
      waited = true;
      while (Date.now() < deadline) {
        if (this.options.signal?.aborted) throw new CasterpakError('CANCELLED', 'shutting down');
        await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 100));
        if (wanted !== null && (await exists(wanted))) return 'WAIT';
        const found = await readLockOwner(lockFile);
        if (found === null || lockIsStale(found, Date.now())) break;
      }
    }
    throw new CasterpakError('TIMEOUT', `${renditionPath}: gave up waiting for another process to package it`);
  }

  private async checkFailureMarker(key: string, failedFile: string): Promise<void> {
    try {
      const failure = JSON.parse(await fs.readFile(failedFile, 'utf8')) as Failure;
      if (failure.until > Date.now()) {
        this.failures.set(key, failure);
        throw new CasterpakError(failure.code, failure.message);
      }
    } catch (error) {
      if (isCasterpakError(error)) throw error;
    }
  }

  private async runPackaging(renditionPath: string, key: string, replace: boolean): Promise<CommitOutcome> {
    const failedFile = this.options.layout.failedFile(key);
    const started = Date.now();
    const { limiter, signal } = this.options;
    const work = async () => {
      const source = await this.options.resolveSource(renditionPath, signal);
      const { tmp } = await buildRendition({
        bento4: this.options.bento4,
        layout: this.options.layout,
        renditionPath,
        source,
        segmentDuration: this.options.segmentDuration,
        publicBaseUrl: this.options.publicBaseUrl,
        signal,
      });
      return commitRendition(this.options.layout, tmp, renditionPath, replace);
    };
    try {
      const outcome = await (limiter ? limiter.run(work) : work());
      await fs.rm(failedFile, { force: true });
      this.options.onPackaging?.({ renditionPath, outcome, durationMs: Date.now() - started });
      return outcome;
    } catch (error) {
      this.options.onPackaging?.({ renditionPath, outcome: 'failed', durationMs: Date.now() - started, error });
      // Overload, shutdown, a full disk and a tool killed from outside (OOM killer, operator) say nothing
      // about the source: do not remember them, so the next request packages again.
      if (this.options.failureTtlMs > 0 && isCasterpakError(error) && !TRANSIENT.has(error.code) && !killedFromOutside(error)) {
        const failure: Failure = { code: error.code, message: error.message, until: Date.now() + this.options.failureTtlMs };
        this.failures.set(key, failure);
        await fs.writeFile(failedFile, JSON.stringify(failure)).catch(() => {});
      }
      throw error;
    }
  }
}
