import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renditionKey } from '../../../src/lib/cache/names.js';
import { scanCache } from '../../../src/lib/cache/scan.js';
import type { CacheEntry, RenditionEntry } from '../../../src/lib/cache/entries.js';
import { HOUR, NOW, makeLock, makeRendition, makeRunDir, setTimes, writeFile } from '../../helpers/cache-tree.js';
import { tempDir } from '../../helpers/temp-dir.js';

const byPath = (entries: readonly CacheEntry[]) => Object.fromEntries(entries.map((e) => [e.path, e]));
const names = (entry: CacheEntry | undefined) => (entry as RenditionEntry).files.map((f) => `${f.name}:${f.role}`).sort();

describe('scanCache: what it lists', () => {
  it('finds nested renditions with every casterpak file, its role, size and mtime', async () => {
    const cache = tempDir();
    makeRendition(cache, '2022/04/x.mp4', { segments: [NOW - 3 * HOUR, NOW - HOUR], kfonly: NOW - 60_000, segmentBytes: 188 });
    writeFile(path.join(cache, '2022/04/x.mp4/kfonly/.index_0_av.m3u8.tmp-77-0123abcd'), 5, NOW);
    const scan = await scanCache(cache, { now: NOW });
    expect(scan.exists).toBe(true);
    expect(scan.truncated).toBe(false);
    const entry = byPath(scan.entries)['2022/04/x.mp4'] as RenditionEntry;
    expect(entry.foreign).toBe(0);
    expect(names(entry)).toEqual([
      '.rendition.json:info',
      'index_0_av.m3u8:playlist',
      'kfonly/.index_0_av.m3u8.tmp-77-0123abcd:temp',
      'kfonly/index_0_av.m3u8:kfonly',
      'segment1_0_av.ts:segment',
      'segment2_0_av.ts:segment',
    ]);
    expect(entry.files.find((f) => f.name === 'segment1_0_av.ts')).toMatchObject({ bytes: 188, mtimeMs: NOW - 3 * HOUR });
  });

  it('lists sources, partial downloads, run directories, locks, failure markers and trash', async () => {
    const cache = tempDir();
    writeFile(path.join(cache, '.sources/2022/y.mp4'), 4000, NOW - 5 * HOUR);
    writeFile(path.join(cache, '.sources/2022/y.mp4.part-99-0123abcd'), 10, NOW - HOUR);
    const runDir = makeRunDir(cache, 'y.mp4', NOW - 2 * HOUR);
    writeFile(path.join(runDir, 'deeper', 'segment-2.ts'), 300, NOW - HOUR);
    setTimes(path.join(runDir, 'deeper'), NOW - 2 * HOUR);
    setTimes(runDir, NOW - 2 * HOUR); // the newest time anywhere inside counts: segment-2.ts
    makeLock(cache, 'fresh.mp4', NOW - 1000);
    makeLock(cache, 'stale.mp4', NOW - 31_000);
    writeFile(path.join(cache, '.locks', `${renditionKey('aside.mp4')}.lock.stale.0a1b2c3d`), '{}', NOW);
    writeFile(
      path.join(cache, '.locks', `${renditionKey('f.mp4')}.failed`),
      JSON.stringify({ code: 'BAD_MEDIA', message: 'x', until: NOW + 5 }),
      NOW,
    );
    writeFile(path.join(cache, '.trash/z.mp4.abcdef/segment1_0_av.ts'), 700, NOW - HOUR);
    const scan = await scanCache(cache, { now: NOW });
    const found = byPath(scan.entries);
    expect(found['.sources/2022/y.mp4']).toEqual({
      kind: 'source',
      path: '.sources/2022/y.mp4',
      renditionPath: '2022/y.mp4',
      bytes: 4000,
      mtimeMs: NOW - 5 * HOUR,
    });
    expect(found['.sources/2022/y.mp4.part-99-0123abcd']).toMatchObject({ kind: 'tmp', key: null, bytes: 10 });
    const run = Object.values(found).find((e) => e.path.startsWith('.tmp/'))!;
    expect(run).toMatchObject({ kind: 'tmp', key: renditionKey('y.mp4'), mtimeMs: NOW - HOUR });
    expect(run.kind === 'tmp' && run.bytes).toBeGreaterThanOrEqual(800); // both files, plus the directories themselves
    expect(found[`.locks/${renditionKey('fresh.mp4')}.lock`]).toMatchObject({ kind: 'lock', key: renditionKey('fresh.mp4'), stale: false });
    expect(found[`.locks/${renditionKey('stale.mp4')}.lock`]).toMatchObject({ kind: 'lock', stale: true });
    expect(found[`.locks/${renditionKey('aside.mp4')}.lock.stale.0a1b2c3d`]).toMatchObject({
      kind: 'lock',
      key: renditionKey('aside.mp4'),
      stale: true,
    });
    expect(found[`.locks/${renditionKey('f.mp4')}.failed`]).toMatchObject({ kind: 'failed', untilMs: NOW + 5 });
    expect(found['.trash/z.mp4.abcdef']).toMatchObject({ kind: 'trash' });
    expect((found['.trash/z.mp4.abcdef'] as { bytes: number }).bytes).toBeGreaterThanOrEqual(700);
  });

  it('a lock whose owner died on this host is stale even when recently heartbeaten', async () => {
    const cache = tempDir();
    makeLock(cache, 'dead.mp4', NOW, { pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() });
    const scan = await scanCache(cache, { now: NOW });
    expect(scan.entries).toEqual([expect.objectContaining({ kind: 'lock', stale: true })]);
  });

  it('leaves out everything without casterpak names', async () => {
    const cache = tempDir();
    const old = NOW - 100 * HOUR;
    writeFile(path.join(cache, 'README.txt'), 10, old);
    writeFile(path.join(cache, 'notes/segment1_0_av.ts'), 10, old); // a segment name outside a rendition directory
    writeFile(path.join(cache, 'noindex.mp4/segment1_0_av.ts'), 10, old); // no playlist: not a rendition
    makeRendition(cache, 'bad<name>.mp4', { segments: [old] }); // a path casterpak never makes
    makeRendition(cache, 'x.mkv', { segments: [old] }); // not a configured media extension
    makeRendition(cache, '.hidden/y.mp4', { segments: [old] });
    makeRendition(cache, '.published/show/z.mp4', { segments: [old] });
    writeFile(path.join(cache, '.tmp/not-ours/segment1_0_av.ts'), 10, old);
    writeFile(path.join(cache, '.locks/notes.txt'), 10, old);
    writeFile(path.join(cache, '.sources/readme.txt'), 10, old);
    writeFile(path.join(cache, '.sources/.hidden.mp4'), 10, old);
    writeFile(path.join(cache, 'lost+found/r.mp4/index_0_av.m3u8'), 10, old);
    expect((await scanCache(cache, { now: NOW })).entries).toEqual([]);
    expect((await scanCache(cache, { now: NOW, mediaExtensions: ['.mkv'] })).entries.map((e) => e.path)).toEqual(['x.mkv']);
  });

  it("counts what is not casterpak's inside a rendition directory as foreign, and walks its subdirectories", async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, 'a.mp4', { segments: [NOW] });
    writeFile(path.join(dir, 'notes.txt'), 3, NOW);
    writeFile(path.join(dir, 'kfonly', 'notes.txt'), 3, NOW);
    makeRendition(cache, 'a.mp4/inner/b.mp4', { segments: [NOW] });
    const found = byPath((await scanCache(cache, { now: NOW })).entries);
    expect((found['a.mp4'] as RenditionEntry).foreign).toBe(3); // notes.txt, kfonly/notes.txt, inner/
    expect(names(found['a.mp4/inner/b.mp4'])).toHaveLength(3);
  });
});

describe('scanCache: safety', () => {
  it('never follows a symlink: linked renditions, segments, sources and top-level directories are not listed', async () => {
    const cache = tempDir();
    const outside = tempDir('casterpak-outside-');
    const target = makeRendition(outside, 'real.mp4', { segments: [NOW - 9 * HOUR] });
    writeFile(path.join(outside, 'movie.mp4'), 100, NOW - 9 * HOUR);
    const dir = makeRendition(cache, 'a.mp4', { segments: [NOW - 9 * HOUR] });
    symlinkSync(path.join(target, 'segment1_0_av.ts'), path.join(dir, 'segment2_0_av.ts'));
    symlinkSync(target, path.join(cache, 'linked.mp4'));
    symlinkSync(outside, path.join(cache, 'outside'));
    mkdirSync(path.join(cache, '.sources'));
    symlinkSync(path.join(outside, 'movie.mp4'), path.join(cache, '.sources', 'movie.mp4'));
    symlinkSync(outside, path.join(cache, '.trash'));
    symlinkSync(outside, path.join(cache, '.tmp'));
    const scan = await scanCache(cache, { now: NOW });
    expect(scan.entries.map((e) => e.path)).toEqual(['a.mp4']);
    expect(names(scan.entries[0])).not.toContain('segment2_0_av.ts:segment');
    expect((scan.entries[0] as RenditionEntry).foreign).toBe(1);
    expect(scan.skipped.symlinks).toBeGreaterThanOrEqual(4);
  });

  it('follows the cache directory itself when it is a symlink (e.g. to a data disk)', async () => {
    const real = tempDir();
    makeRendition(real, 'a.mp4', { segments: [NOW] });
    const link = path.join(tempDir(), 'cache');
    symlinkSync(real, link);
    expect((await scanCache(link, { now: NOW })).entries.map((e) => e.path)).toEqual(['a.mp4']);
  });
});

describe('scanCache: nothing there, limits and streaming', () => {
  it('a missing cache directory is not an error; an empty one has no entries; a file is a CONFIG error', async () => {
    const parent = tempDir();
    expect(await scanCache(path.join(parent, 'missing'))).toMatchObject({ exists: false, entries: [], files: 0 });
    expect(await scanCache(parent)).toMatchObject({ exists: true, entries: [], truncated: false });
    writeFileSync(path.join(parent, 'file'), 'x');
    await expect(scanCache(path.join(parent, 'file'))).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('is not a directory'),
    });
  });

  it('stops at maxFiles and says so; a rendition is listed whole or not at all', async () => {
    const cache = tempDir();
    for (let i = 0; i < 20; i++) makeRendition(cache, `r${i}.mp4`, { segments: [NOW, NOW, NOW] });
    const scan = await scanCache(cache, { now: NOW, maxFiles: 30 });
    expect(scan.truncated).toBe(true);
    expect(scan.entries.length).toBeGreaterThan(0);
    expect(scan.entries.length).toBeLessThan(20);
    for (const entry of scan.entries) expect((entry as RenditionEntry).files).toHaveLength(5);
  });

  it('hands over locks and run directories before any rendition, then each entry as it is found', async () => {
    const cache = tempDir();
    makeRendition(cache, 'a.mp4', { segments: [NOW] });
    writeFile(path.join(cache, '.sources/a.mp4'), 10, NOW);
    makeLock(cache, 'a.mp4', NOW);
    makeRunDir(cache, 'a.mp4', NOW);
    const events: string[] = [];
    const scan = await scanCache(cache, {
      now: NOW,
      collect: false,
      onBookkeeping: (entries) =>
        events.push(
          `bookkeeping:${entries
            .map((e) => e.kind)
            .sort()
            .join(',')}`,
        ),
      onEntry: (entry) => events.push(entry.kind),
    });
    expect(events).toEqual(['bookkeeping:lock,tmp', 'rendition', 'source']);
    expect(scan.entries.map((e) => e.kind).sort()).toEqual(['lock', 'tmp']); // renditions and sources not kept
  });
});
