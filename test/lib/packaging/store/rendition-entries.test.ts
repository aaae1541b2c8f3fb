// One entry per rendition: parts merge, forgetting keeps the verified directory, and the whole is
// bounded by bytes (an index weighs far more than a directory), least recently used out first.
import { describe, expect, it } from 'vitest';
import type { RenditionInfo } from '../../../../src/lib/cache/rendition-info.js';
import type { LoadedIndex } from '../../../../src/lib/packaging/segment-maker.js';
import { RenditionEntries } from '../../../../src/lib/packaging/store/rendition-entries.js';

const info = { renditionPath: 'a.mp4', segments: 3 } as unknown as RenditionInfo;
const indexOf = (segments: number) =>
  ({
    file: '/cache/a.mp4/.segments.idx',
    header: { segments: Array.from({ length: segments }, () => ({})) },
    extractHeader: new Uint8Array(1200),
  }) as unknown as LoadedIndex;
const index = indexOf(3);

describe('RenditionEntries', () => {
  it('merges what is learnt of a rendition into its one entry, and forgets only what may change', () => {
    const entries = new RenditionEntries();
    entries.dirs.set('a.mp4', '/cache/a.mp4');
    entries.set('a.mp4', { info });
    entries.set('a.mp4', { index });
    expect(entries.get('a.mp4')).toEqual({ dir: '/cache/a.mp4', info, index });
    expect(entries.dirs.get('a.mp4')).toBe('/cache/a.mp4');
    entries.forget('a.mp4', 'index');
    expect(entries.get('a.mp4')).toEqual({ dir: '/cache/a.mp4', info });
    entries.forget('a.mp4', 'info', 'index');
    expect(entries.get('a.mp4')).toEqual({ dir: '/cache/a.mp4' });
    entries.forget('b.mp4', 'info'); // nothing known: nothing made up
    expect(entries.get('b.mp4')).toBeUndefined();
  });

  // Within 16 MiB: entries of ~0.4 KB, ~2.4 KB with their info, ~3.9 KB with an index of 3 segments.
  const keptOf = (entries: RenditionEntries, prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => entries.get(`${prefix}${i}.mp4`)).filter(Boolean).length;

  it('keeps about 40,000 directories but 4,000 small loaded indexes, the least recently used going first', () => {
    const entries = new RenditionEntries();
    for (let i = 0; i < 100_000; i++) entries.dirs.set(`d${i}.mp4`, `/cache/d${i}.mp4`);
    const dirs = keptOf(entries, 'd', 100_000);
    expect(dirs).toBeGreaterThanOrEqual(40_000);
    expect(dirs).toBeLessThan(43_000);
    expect(entries.dirs.get('d99999.mp4')).toBe('/cache/d99999.mp4');
    expect(entries.dirs.get('d99000.mp4')).toBe('/cache/d99000.mp4');
    entries.dirs.set('one-more.mp4', '/cache/one-more.mp4');
    expect(entries.dirs.get(`d${100_000 - dirs}.mp4`)).toBeUndefined(); // d99000 was used since: the oldest went
    expect(entries.dirs.get('d99000.mp4')).toBe('/cache/d99000.mp4');
    for (let i = 0; i < 6_000; i++) entries.set(`i${i}.mp4`, { dir: `/cache/i${i}.mp4`, info, index });
    const kept = keptOf(entries, 'i', 6_000);
    expect(kept).toBeGreaterThanOrEqual(4_000);
    expect(kept).toBeLessThan(4_400);
    expect(entries.get('i5999.mp4')?.index).toBe(index);
  });

  it('weighs an index by its segments: about 160 indexes of a 2-hour film (720 segments), not 4,000', () => {
    const entries = new RenditionEntries();
    const long = indexOf(720);
    for (let i = 0; i < 1_000; i++) entries.set(`l${i}.mp4`, { dir: `/cache/l${i}.mp4`, info, index: long });
    const kept = keptOf(entries, 'l', 1_000);
    expect(kept).toBeGreaterThanOrEqual(150);
    expect(kept).toBeLessThanOrEqual(170);
    expect(entries.get('l999.mp4')?.index).toBe(long);
  });
});

describe('RenditionEntries: indexes cold playlists have just made', () => {
  const fresh = (name: string) => ({ ...indexOf(3), file: `/cache/${name}/.segments.idx`, bytes: new Uint8Array(8) }) as LoadedIndex;

  it('hands one over once, the rendition entry keeping it from then on without the file bytes', () => {
    const entries = new RenditionEntries();
    entries.setFresh('a.mp4', fresh('a.mp4'));
    expect(entries.get('a.mp4')).toBeUndefined(); // not a loaded index until a segment asks
    expect(entries.takeFresh('a.mp4')?.bytes).toHaveLength(8);
    expect(entries.takeFresh('a.mp4')).toBeUndefined();
    expect(entries.get('a.mp4')?.index?.file).toBe('/cache/a.mp4/.segments.idx');
    expect(entries.get('a.mp4')?.index?.bytes).toBeUndefined();
  });

  it('keeps the last two, and drops one whose rendition is made again', () => {
    const entries = new RenditionEntries();
    for (const name of ['a.mp4', 'b.mp4', 'c.mp4']) entries.setFresh(name, fresh(name));
    expect(entries.takeFresh('a.mp4')).toBeUndefined();
    entries.forget('b.mp4', 'info', 'index');
    expect(entries.takeFresh('b.mp4')).toBeUndefined();
    expect(entries.takeFresh('c.mp4')).toBeDefined();
  });
});
