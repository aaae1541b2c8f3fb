// One entry per rendition: parts merge, forgetting keeps the verified directory, and the whole is
// bounded by weight (an index weighs far more than a directory), least recently used out first.
import { describe, expect, it } from 'vitest';
import type { RenditionInfo } from '../../../../src/lib/cache/rendition-info.js';
import type { LoadedIndex } from '../../../../src/lib/packaging/segment-maker.js';
import { RenditionEntries } from '../../../../src/lib/packaging/store/rendition-entries.js';

const info = { renditionPath: 'a.mp4', segments: 3 } as unknown as RenditionInfo;
const indexOf = (segments: number) =>
  ({ file: '/cache/a.mp4/.segments.idx', header: { segments: Array.from({ length: segments }, () => ({})) } }) as unknown as LoadedIndex;
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

  it('keeps 100,000 directories but about 1,000 loaded indexes, the least recently used going first', () => {
    const entries = new RenditionEntries();
    for (let i = 0; i < 100_000; i++) entries.dirs.set(`d${i}.mp4`, `/cache/d${i}.mp4`);
    expect(entries.dirs.get('d0.mp4')).toBe('/cache/d0.mp4');
    entries.dirs.set('one-more.mp4', '/cache/one-more.mp4');
    expect(entries.dirs.get('d1.mp4')).toBeUndefined(); // d0 was used since: d1 went
    expect(entries.dirs.get('d0.mp4')).toBe('/cache/d0.mp4');
    for (let i = 0; i < 2_000; i++) entries.set(`i${i}.mp4`, { dir: `/cache/i${i}.mp4`, info, index });
    const kept = Array.from({ length: 2_000 }, (_, i) => entries.get(`i${i}.mp4`)).filter(Boolean).length;
    expect(kept).toBeGreaterThanOrEqual(1_000);
    expect(kept).toBeLessThan(1_200);
    expect(entries.get('i1999.mp4')?.index).toBe(index);
  });

  it('weighs an index by its segments: about 90 indexes of a 2-hour film (1,200 segments), not 1,000', () => {
    const entries = new RenditionEntries();
    const long = indexOf(1_200);
    for (let i = 0; i < 1_000; i++) entries.set(`l${i}.mp4`, { dir: `/cache/l${i}.mp4`, info, index: long });
    const kept = Array.from({ length: 1_000 }, (_, i) => entries.get(`l${i}.mp4`)).filter(Boolean).length;
    expect(kept).toBeGreaterThanOrEqual(80);
    expect(kept).toBeLessThanOrEqual(100);
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
