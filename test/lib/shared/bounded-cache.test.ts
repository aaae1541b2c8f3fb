import { describe, expect, it } from 'vitest';
import { boundedCache } from '../../../src/lib/shared/bounded-cache.js';

describe('boundedCache', () => {
  it('keeps at most max entries, the least recently used out first', () => {
    const cache = boundedCache<string, number>({ max: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('c', 3);
    expect([...cache.keys()].sort()).toEqual(['a', 'c']);
    expect(cache.has('b')).toBe(false);
  });

  it('keeps the sum of sizes within maxSize, dropping the oldest', () => {
    const cache = boundedCache<string, Buffer>({ max: 100, maxSize: 10, sizeOf: (b) => b.length });
    cache.set('a', Buffer.alloc(4));
    cache.set('b', Buffer.alloc(4));
    cache.set('c', Buffer.alloc(4));
    expect(cache.has('a')).toBe(false);
    expect(cache.has('b') && cache.has('c')).toBe(true);
    expect(cache.calculatedSize).toBe(8);
  });

  it('keeps nothing larger than maxSize, and counts an empty value as 1', () => {
    const cache = boundedCache<string, Buffer>({ max: 100, maxSize: 10, sizeOf: (b) => b.length });
    cache.set('big', Buffer.alloc(11));
    cache.set('empty', Buffer.alloc(0));
    expect(cache.has('big')).toBe(false);
    expect(cache.calculatedSize).toBe(1);
  });

  it('stays bounded however many keys it is given', () => {
    const cache = boundedCache<string, true>({ max: 1000 });
    for (let i = 0; i < 50_000; i++) cache.set(`k${i}`, true);
    expect(cache.size).toBe(1000);
    expect(cache.has('k49999')).toBe(true);
  });
});

describe('boundedCache without a count', () => {
  it('is bounded by size alone', () => {
    const cache = boundedCache<number, Buffer>({ maxSize: 100, sizeOf: (b) => b.length });
    for (let i = 0; i < 1000; i++) cache.set(i, Buffer.alloc(10));
    expect(cache.size).toBe(10);
  });

  it('refuses to be unbounded', () => {
    expect(() => boundedCache<string, string>({})).toThrow(RangeError);
  });
});
