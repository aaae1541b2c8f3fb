// The size budget (nginx's max_size): after the age rule, the least recently accessed items
// go first until the cache fits. Pure; planPrune gives it what may go.
export type PruneKind = 'segment' | 'rendition' | 'source' | 'tmp' | 'lock' | 'failed' | 'trash';
export type PruneReason = 'idle' | 'max-size' | 'stale' | 'trash';

export interface PruneItem {
  readonly path: string;
  readonly kind: PruneKind;
  readonly bytes: number;
  readonly reason: PruneReason;
  readonly lastAccessMs: number;
  /** The rendition key it belongs to: the runner checks that rendition's lock again just before deleting. */
  readonly key: string | null;
}

export interface BudgetCandidate {
  readonly path: string;
  readonly kind: 'segment' | 'rendition' | 'source';
  readonly bytes: number;
  readonly lastAccessMs: number;
  readonly key: string;
  /** The rendition path a segment or rendition belongs to; null for sources. */
  readonly rendition: string | null;
}

// A rendition's segments are never newer than the rendition (its newest file), so on a tie
// segments come first: the finer item goes before the whole directory.
const KIND_ORDER = { segment: 0, rendition: 1, source: 2 } as const;

function byLeastRecent(a: BudgetCandidate, b: BudgetCandidate): number {
  return a.lastAccessMs - b.lastAccessMs || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

// Returns `planned` plus the candidates that must go for the cache to fit `maxSizeBytes`. A
// rendition that goes whole takes over its segments already planned (counted once).
export function fitBudget(
  planned: readonly PruneItem[],
  candidates: readonly BudgetCandidate[],
  cacheBytes: number,
  maxSizeBytes: number,
): PruneItem[] {
  let remaining = cacheBytes - planned.reduce((sum, item) => sum + item.bytes, 0);
  if (remaining <= maxSizeBytes) return [...planned];
  const items: PruneItem[] = [...planned];
  const segmentsOf = new Map<string, PruneItem[]>();
  const noteSegment = (rendition: string, item: PruneItem) => {
    const list = segmentsOf.get(rendition);
    if (list) list.push(item);
    else segmentsOf.set(rendition, [item]);
  };
  for (const item of planned) {
    if (item.kind === 'segment') noteSegment(item.path.slice(0, item.path.lastIndexOf('/')), item);
  }
  const absorbed = new Set<PruneItem>();
  const wholeRenditions = new Set<string>();
  for (const candidate of [...candidates].sort(byLeastRecent)) {
    if (remaining <= maxSizeBytes) break;
    const { rendition, ...rest } = candidate;
    if (candidate.kind === 'segment' && rendition !== null && wholeRenditions.has(rendition)) continue;
    const item: PruneItem = { ...rest, reason: 'max-size' };
    items.push(item);
    if (candidate.kind === 'rendition' && rendition !== null) {
      wholeRenditions.add(rendition);
      let freed = candidate.bytes;
      for (const segment of segmentsOf.get(rendition) ?? []) {
        absorbed.add(segment);
        freed -= segment.bytes;
      }
      remaining -= freed;
    } else {
      if (candidate.kind === 'segment' && rendition !== null) noteSegment(rendition, item);
      remaining -= candidate.bytes;
    }
  }
  return absorbed.size === 0 ? items : items.filter((item) => !absorbed.has(item));
}
