// The one bounded in-memory cache: least recently used out first, by count or by size (bytes).
// A server that runs for months is asked for ever new names (renditions, query strings,
// scanners' paths); what it remembers of them must not grow with them.
import { LRUCache } from 'lru-cache';

interface BoundedCacheOptions<V> {
  /** entries kept at most */
  readonly max?: number;
  /** with sizeOf: the sum of the entries' sizes kept at most */
  readonly maxSize?: number;
  /** an entry's size (e.g. its bytes); counted as at least 1 */
  readonly sizeOf?: (value: V) => number;
}

// lru-cache keeps no null or undefined.
type Some = NonNullable<unknown>;

export type BoundedCache<K extends Some, V extends Some> = LRUCache<K, V>;

// A count is kept as a size of 1 per entry: lru-cache sets aside room for `max` entries up front
// (8.6 MB for the 310,000 the origin's caches allow, most of which a small library never
// fills), while a size bound grows with what is kept.
export function boundedCache<K extends Some, V extends Some>(options: BoundedCacheOptions<V>): BoundedCache<K, V> {
  const { max, maxSize, sizeOf } = options;
  if (maxSize !== undefined && sizeOf !== undefined) {
    return new LRUCache<K, V>({ ...(max !== undefined && { max }), maxSize, sizeCalculation: (value) => Math.max(1, sizeOf(value)) });
  }
  if (max === undefined) throw new RangeError('a bounded cache needs max, or maxSize and sizeOf');
  return new LRUCache<K, V>({ maxSize: max, sizeCalculation: () => 1 });
}
