// At most one run of a piece of packaging work (a rendition's playlist, one segment, a
// whole-file run) at a time, for one key: in-process callers share one promise, other
// processes wait on the key's lock file and poll for the wanted file, and a failure is
// remembered for failureTtlMs (also across processes, through the key's `.failed` marker).
import { promises as fs } from 'node:fs';
import { CasterpakError, isCasterpakError, killedFromOutside, type ErrorCode } from '../../shared/errors.js';
import type { CacheLayout } from '../../cache/names.js';
import { readLockOwner, lockIsStale, tryLock } from '../../cache/lock.js';
import { boundedCache } from '../../shared/bounded-cache.js';
import { SingleFlight } from '../../shared/single-flight.js';
import { exists } from '../../shared/exists.js';

export type CacheStatus = 'HIT' | 'MISS' | 'WAIT';

/** The first wait for another process's run; each next one twice as long, up to `pollMs`. */
const FIRST_POLL_MS = 10;

interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly until: number;
}

export interface SingleRunOptions {
  readonly layout: CacheLayout;
  readonly failureTtlMs: number;
  /** How long to wait for another process's run before giving up. */
  readonly maxWaitMs: number;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

// Overload, shutdown, a full disk and a tool killed from outside (OOM killer, operator) say
// nothing about the source: they are not remembered, so the next request tries again.
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['OVERLOADED', 'CANCELLED', 'NO_SPACE']);

export class SingleRun {
  private readonly flights = new SingleFlight<CacheStatus>();
  // Bounded: many distinct sources failing once each must not grow the process without end.
  private readonly failures = boundedCache<string, Failure>({ max: 10_000 });

  constructor(private readonly options: SingleRunOptions) {}

  // Runs `work` for `key` unless `wanted` (a file; null: always run) appears first. `what`
  // names the work in messages.
  async run(key: string, what: string, wanted: string | null, work: () => Promise<unknown>): Promise<CacheStatus> {
    this.throwRemembered(key);
    const running = this.flights.current(key);
    if (running) {
      await running;
      if (wanted === null || (await exists(wanted))) return 'WAIT';
    }
    return this.flights.run(key, () => this.produce(key, what, wanted, () => this.remembering(key, work)));
  }

  private throwRemembered(key: string): void {
    const failure = this.failures.get(key);
    if (!failure) return;
    if (failure.until > Date.now()) throw new CasterpakError(failure.code, failure.message);
    this.failures.delete(key);
  }

  private async produce(key: string, what: string, wanted: string | null, work: () => Promise<unknown>): Promise<CacheStatus> {
    const lockFile = this.options.layout.lockFile(key);
    const deadline = Date.now() + this.options.maxWaitMs;
    let waited = false;
    while (Date.now() < deadline) {
      if (wanted !== null) await this.checkFailureMarker(key);
      const lock = await tryLock(lockFile, what);
      if (lock) {
        try {
          if (wanted !== null && (await exists(wanted))) return waited ? 'WAIT' : 'HIT';
          await work();
          return waited ? 'WAIT' : 'MISS';
        } finally {
          await lock.release();
        }
      }
      // Another process is at it: wait for its result, or for its lock to go stale. Looked for
      // soon at first, then less often: most runs take tens of milliseconds (a player's segment 1
      // may find the rendition whose playlist another process has just answered still being
      // committed, docs/architecture.md), a whole-file run seconds.
      waited = true;
      for (let poll = 0; Date.now() < deadline; poll++) {
        if (this.options.signal?.aborted) throw new CasterpakError('CANCELLED', 'shutting down');
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.options.pollMs ?? 100, FIRST_POLL_MS * 2 ** poll)));
        if (wanted !== null && (await exists(wanted))) return 'WAIT';
        const found = await readLockOwner(lockFile);
        if (found === null || lockIsStale(found, Date.now())) break;
      }
    }
    throw new CasterpakError('TIMEOUT', `${what}: gave up waiting for another process to package it`);
  }

  private async checkFailureMarker(key: string): Promise<void> {
    try {
      const failure = JSON.parse(await fs.readFile(this.options.layout.failedFile(key), 'utf8')) as Failure;
      if (failure.until > Date.now()) {
        this.failures.set(key, failure);
        throw new CasterpakError(failure.code, failure.message);
      }
    } catch (error) {
      if (isCasterpakError(error)) throw error;
    }
  }

  private async remembering(key: string, work: () => Promise<unknown>): Promise<void> {
    const failedFile = this.options.layout.failedFile(key);
    try {
      await work();
      await fs.rm(failedFile, { force: true });
    } catch (error) {
      if (this.options.failureTtlMs > 0 && isCasterpakError(error) && !TRANSIENT.has(error.code) && !killedFromOutside(error)) {
        const failure: Failure = { code: error.code, message: error.message, until: Date.now() + this.options.failureTtlMs };
        this.failures.set(key, failure);
        await fs.writeFile(failedFile, JSON.stringify(failure)).catch(() => {});
      }
      throw error;
    }
  }
}
