// Decides what prune removes, from what a scan found; pure, so every rule and boundary is
// tested without a file system. The runner (prune/run.ts) carries the plan out.
//
// Boundaries: something idle for exactly `olderThanMs` stays; one millisecond more and it
// goes (now − last access > olderThanMs). Temporary leftovers likewise go only when older
// than `tmpMaxAgeMs`; until then they count as work in progress.
import { isAbandoned } from '../cache/abandoned.js';
import { renditionKey } from '../cache/names.js';
import { entryBytes, renditionLastAccess, type CacheEntry, type RenditionEntry, type SourceEntry } from '../cache/entries.js';
import { fitBudget, type BudgetCandidate, type PruneItem, type PruneKind, type PruneReason } from './budget.js';

// What is pruned is named where the budget, the lowest of the two, declares it (no import circle).
export type { PruneItem, PruneKind, PruneReason } from './budget.js';

export type PruneWhat = 'segments' | 'renditions' | 'sources' | 'all';
export const PRUNE_WHAT: readonly PruneWhat[] = ['segments', 'renditions', 'sources', 'all'];

export interface PrunePolicy {
  /** segments: idle .ts files (playlists stay); renditions: whole idle rendition directories;
   *  sources: idle source copies; all: the three. */
  readonly what: PruneWhat;
  readonly olderThanMs: number;
  /** After the age rule, least recently accessed items of the chosen kinds go until the cache fits. */
  readonly maxSizeBytes: number | null;
  readonly now: number;
  /** Temporary run directories, partial downloads and atomic-write leftovers older than this are swept. */
  readonly tmpMaxAgeMs: number;
}

// Something the age rule would have removed, kept because its rendition is being packaged.
export interface KeptItem {
  readonly path: string;
  readonly kind: 'rendition' | 'source';
  readonly reason: 'packaging';
}

export interface PrunePlan {
  readonly items: readonly PruneItem[];
  readonly bytes: number;
  readonly kept: readonly KeptItem[];
  /** Everything the scan found, before. */
  readonly cacheBytes: number;
  readonly cacheBytesAfter: number;
  /** maxSizeBytes is set and the cache is still above it (everything that may go is gone). */
  readonly overBudget: boolean;
}

export function isIdle(lastAccessMs: number, policy: Pick<PrunePolicy, 'now' | 'olderThanMs'>): boolean {
  return policy.now - lastAccessMs > policy.olderThanMs;
}

// The rule of cache/abandoned.ts: an owner known dead, or untouched for longer than tmpMaxAgeMs.
function isStaleTemp(mtimeMs: number, policy: PrunePolicy, ownerIsDead = false): boolean {
  return isAbandoned(ownerIsDead, mtimeMs, policy.now, policy.tmpMaxAgeMs);
}

// Keys of renditions being packaged: a lock that is not stale, or a run directory not yet old
// enough to be swept (a killed run's directory protects its rendition until it is swept).
export function busyKeys(entries: readonly CacheEntry[], policy: PrunePolicy): Set<string> {
  const busy = new Set<string>();
  for (const entry of entries) {
    if (entry.kind === 'lock' && !entry.stale) busy.add(entry.key);
    if (entry.kind === 'tmp' && entry.key !== null && !isStaleTemp(entry.mtimeMs, policy, entry.ownerDead)) busy.add(entry.key);
  }
  return busy;
}

// Leftovers swept in every mode: stale run directories and partial files, stale locks,
// expired failure markers, and whatever is in .trash.
function sweepItems(entries: readonly CacheEntry[], policy: PrunePolicy): PruneItem[] {
  const items: PruneItem[] = [];
  const add = (path: string, kind: PruneKind, bytes: number, reason: PruneReason, lastAccessMs: number, key: string | null = null) =>
    items.push({ path, kind, bytes, reason, lastAccessMs, key });
  for (const entry of entries) {
    switch (entry.kind) {
      case 'tmp':
        if (isStaleTemp(entry.mtimeMs, policy, entry.ownerDead)) add(entry.path, 'tmp', entry.bytes, 'stale', entry.mtimeMs, entry.key);
        break;
      case 'lock':
        if (entry.stale) add(entry.path, 'lock', entry.bytes, 'stale', entry.mtimeMs, entry.key);
        break;
      case 'failed': {
        const expired = entry.untilMs !== null ? entry.untilMs < policy.now : isStaleTemp(entry.mtimeMs, policy);
        if (expired) add(entry.path, 'failed', entry.bytes, 'stale', entry.mtimeMs);
        break;
      }
      case 'trash':
        add(entry.path, 'trash', entry.bytes, 'trash', entry.mtimeMs);
        break;
      case 'rendition':
        for (const file of entry.files) {
          if (file.role === 'temp' && isStaleTemp(file.mtimeMs, policy))
            add(`${entry.path}/${file.name}`, 'tmp', file.bytes, 'stale', file.mtimeMs);
        }
        break;
      case 'source':
        break;
    }
  }
  return items;
}

const wantsSegments = (what: PruneWhat) => what === 'segments' || what === 'all';
const wantsRenditions = (what: PruneWhat) => what === 'renditions' || what === 'all';
const wantsSources = (what: PruneWhat) => what === 'sources' || what === 'all';

// `busy` defaults to what `entries` say. Without a budget, planning entries one by one with the
// busy keys of the locks and run directories gives the same items as planning them together,
// which lets the runner delete while it is still scanning.
export function planPrune(
  entries: readonly CacheEntry[],
  policy: PrunePolicy,
  busy: ReadonlySet<string> = busyKeys(entries, policy),
): PrunePlan {
  const budget = policy.maxSizeBytes !== null;
  const items = sweepItems(entries, policy);
  const kept: KeptItem[] = [];
  const candidates: BudgetCandidate[] = [];
  const renditions = entries.filter((e): e is RenditionEntry => e.kind === 'rendition');
  const sources = entries.filter((e): e is SourceEntry => e.kind === 'source');

  for (const rendition of renditions) {
    const key = renditionKey(rendition.path);
    const lastAccessMs = renditionLastAccess(rendition);
    const segments = rendition.files.filter((f) => f.role === 'segment');
    const idleWhole = wantsRenditions(policy.what) && isIdle(lastAccessMs, policy);
    if (busy.has(key)) {
      const idleSegment = wantsSegments(policy.what) && segments.some((f) => isIdle(f.mtimeMs, policy));
      if (idleWhole || idleSegment) kept.push({ path: rendition.path, kind: 'rendition', reason: 'packaging' });
      continue;
    }
    if (idleWhole) {
      items.push({ path: rendition.path, kind: 'rendition', bytes: entryBytes(rendition), reason: 'idle', lastAccessMs, key });
      continue;
    }
    if (wantsSegments(policy.what)) {
      // The hot loop (10⁵ segments): plain object literals, candidates only with a budget.
      for (const file of segments) {
        const path = `${rendition.path}/${file.name}`;
        if (isIdle(file.mtimeMs, policy))
          items.push({ path, kind: 'segment', bytes: file.bytes, reason: 'idle', lastAccessMs: file.mtimeMs, key });
        else if (budget)
          candidates.push({ path, kind: 'segment', bytes: file.bytes, lastAccessMs: file.mtimeMs, key, rendition: rendition.path });
      }
    }
    if (budget && wantsRenditions(policy.what)) {
      candidates.push({
        path: rendition.path,
        kind: 'rendition',
        bytes: entryBytes(rendition),
        lastAccessMs,
        key,
        rendition: rendition.path,
      });
    }
  }

  if (wantsSources(policy.what)) {
    for (const source of sources) {
      const key = renditionKey(source.renditionPath);
      const idle = isIdle(source.mtimeMs, policy);
      if (busy.has(key)) {
        if (idle) kept.push({ path: source.path, kind: 'source', reason: 'packaging' });
      } else if (idle) {
        items.push({ path: source.path, kind: 'source', bytes: source.bytes, reason: 'idle', lastAccessMs: source.mtimeMs, key });
      } else if (budget) {
        candidates.push({ path: source.path, kind: 'source', bytes: source.bytes, lastAccessMs: source.mtimeMs, key, rendition: null });
      }
    }
  }

  const cacheBytes = entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
  const fitted = policy.maxSizeBytes === null ? items : fitBudget(items, candidates, cacheBytes, policy.maxSizeBytes);
  const bytes = fitted.reduce((sum, item) => sum + item.bytes, 0);
  return {
    items: fitted,
    bytes,
    kept,
    cacheBytes,
    cacheBytesAfter: cacheBytes - bytes,
    overBudget: policy.maxSizeBytes !== null && cacheBytes - bytes > policy.maxSizeBytes,
  };
}
