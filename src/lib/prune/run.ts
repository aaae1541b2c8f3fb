// One prune pass: scan the cache (cache/scan.ts), plan (prune/plan.ts, pure), delete
// (prune/delete.ts). Shared by `casterpak prune` (cron) and `casterpak serve --prune-every`.
import { statSync } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import type { RenditionEntry } from '../cache/entries.js';
import {
  PRUNE_WHAT,
  busyKeys,
  planPrune,
  type KeptItem,
  type PruneItem,
  type PrunePlan,
  type PrunePolicy,
  type PruneWhat,
} from './plan.js';
import { scanCache } from '../cache/scan.js';
import { PruneDeleter, type DeleteOutcome } from './delete.js';
import type { PruneReport } from './report.js';

export interface PruneOptions {
  readonly cacheDir: string;
  /** @default 'segments' */ readonly what?: PruneWhat;
  readonly olderThanMs: number;
  /** @default null */ readonly maxSizeBytes?: number | null;
  /** List what would go; delete nothing. @default false */ readonly dryRun?: boolean;
  /** Leftovers of packaging runs older than this are swept (2 × bento4.timeoutMs). */
  readonly tmpMaxAgeMs: number;
  /** @default Date.now() */ readonly now?: number;
  /** @default DEFAULT_MEDIA_EXTENSIONS */ readonly mediaExtensions?: readonly string[];
  /** Deletions in flight. @default 64 */ readonly concurrency?: number;
  /** Scan limits per pass, see cache/scan.ts. */
  readonly maxFiles?: number;
  readonly maxScanMs?: number;
}

function checkOptions(options: PruneOptions): PruneWhat {
  const what = options.what ?? 'segments';
  if (!PRUNE_WHAT.includes(what))
    throw new CasterpakError('USAGE', `prune: what must be one of ${PRUNE_WHAT.join(', ')}, got "${String(what)}"`);
  const bad = (value: unknown) => typeof value !== 'number' || !Number.isFinite(value) || value < 0;
  if (bad(options.olderThanMs))
    throw new CasterpakError('USAGE', `prune: olderThanMs must be a duration ≥ 0, got ${String(options.olderThanMs)}`);
  if (bad(options.tmpMaxAgeMs))
    throw new CasterpakError('USAGE', `prune: tmpMaxAgeMs must be a duration ≥ 0, got ${String(options.tmpMaxAgeMs)}`);
  if (options.maxSizeBytes != null && bad(options.maxSizeBytes))
    throw new CasterpakError('USAGE', `prune: maxSizeBytes must be a size ≥ 0, got ${String(options.maxSizeBytes)}`);
  return what;
}

export async function runPrune(options: PruneOptions): Promise<PruneReport> {
  const started = performance.now();
  const what = checkOptions(options);
  const root = path.resolve(options.cacheDir);
  const maxSizeBytes = options.maxSizeBytes ?? null;
  const dryRun = options.dryRun ?? false;
  const policy: PrunePolicy = {
    what,
    olderThanMs: options.olderThanMs,
    maxSizeBytes,
    now: options.now ?? Date.now(),
    tmpMaxAgeMs: options.tmpMaxAgeMs,
  };

  // Without a budget each entry is planned (and its deletions started) as soon as it is
  // scanned; a budget needs the whole cache first.
  const streaming = maxSizeBytes === null;
  const listed: PruneItem[] = [];
  const kept: KeptItem[] = [];
  let deleter: PruneDeleter | null = null;
  let busy: ReadonlySet<string> = new Set();
  let cacheBytes = 0;
  let plannedBytes = 0;
  const take = (plan: PrunePlan, rendition?: (item: PruneItem) => RenditionEntry | undefined) => {
    cacheBytes += plan.cacheBytes;
    plannedBytes += plan.bytes;
    kept.push(...plan.kept);
    for (const item of plan.items) {
      if (dryRun) listed.push(item);
      else (deleter ??= new PruneDeleter(root, statSync(root).dev, options.concurrency ?? 64)).push(item, rendition?.(item));
    }
  };
  const scanning = scanCache(root, {
    mediaExtensions: options.mediaExtensions,
    maxFiles: options.maxFiles,
    maxScanMs: options.maxScanMs,
    now: policy.now,
    collect: !streaming,
    onBookkeeping: (entries) => {
      busy = busyKeys(entries, policy);
      if (streaming) take(planPrune(entries, policy, busy));
    },
    onEntry: (entry) => {
      if (streaming) take(planPrune([entry], policy, busy), () => (entry.kind === 'rendition' ? entry : undefined));
    },
  });
  const scan = await scanning.catch(async (error: unknown) => {
    await (deleter as PruneDeleter | null)?.finish(); // let started deletions end and the worker stop
    throw error;
  });
  let overBudget = false;
  if (!streaming) {
    const plan = planPrune(scan.entries, { ...policy, maxSizeBytes: scan.truncated ? null : maxSizeBytes });
    const renditions = new Map(scan.entries.filter((e): e is RenditionEntry => e.kind === 'rendition').map((e) => [e.path, e]));
    take(plan, (item) => renditions.get(item.path));
    overBudget = plan.overBudget;
  }
  const outcome: DeleteOutcome =
    deleter === null ? { done: listed, vanished: 0, errors: [], kept: [] } : await (deleter as PruneDeleter).finish();
  const bytesFreed = dryRun ? 0 : outcome.done.reduce((sum, item) => sum + item.bytes, 0);
  const after = cacheBytes - (dryRun ? plannedBytes : bytesFreed);
  const warnings = scan.errors.map((e) => `cannot read ${e.path}: ${e.message}`);
  if (scan.truncated)
    warnings.push(
      `the scan stopped at its limit after ${scan.files} files; the rest waits for the next pass${streaming ? '' : ' (--max-size not applied)'}`,
    );
  return {
    cacheDir: root,
    cacheExists: scan.exists,
    now: policy.now,
    what,
    olderThanMs: options.olderThanMs,
    maxSizeBytes,
    dryRun,
    items: outcome.done.map(({ path: p, kind, bytes, reason, lastAccessMs }) => ({ path: p, kind, bytes, reason, lastAccessMs })),
    removed: dryRun ? 0 : outcome.done.length,
    bytesFreed,
    kept: [...kept, ...outcome.kept],
    vanished: outcome.vanished,
    errors: outcome.errors,
    warnings,
    scanned: { files: scan.files, truncated: scan.truncated, symlinks: scan.skipped.symlinks, otherDevice: scan.skipped.otherDevice },
    cacheBytes,
    cacheBytesAfter: after,
    overBudget: overBudget && maxSizeBytes !== null && after > maxSizeBytes,
    durationMs: performance.now() - started,
  };
}
