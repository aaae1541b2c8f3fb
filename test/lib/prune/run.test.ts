import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPrune, type PruneOptions } from '../../../src/lib/prune/run.js';
import { HOUR, NOW, makeLock, makeRendition, makeRunDir, setTimes, writeFile } from '../../helpers/cache-tree.js';
import { tempDir } from '../../helpers/temp-dir.js';

const AGE = 2 * HOUR;
const TMP_MAX = 600_000;

function prune(cacheDir: string, options: Partial<PruneOptions> = {}) {
  return runPrune({ cacheDir, olderThanMs: AGE, tmpMaxAgeMs: TMP_MAX, now: NOW, ...options });
}

// Every path below `dir` (symlinks listed, not followed) with its mtime: a dry run must not change it.
function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (rel: string) => {
    for (const dirent of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${dirent.name}` : dirent.name;
      out[child] = lstatSync(path.join(dir, child)).mtimeMs;
      if (dirent.isDirectory()) walk(child);
    }
  };
  walk('');
  return out;
}

const present = (dir: string, names: readonly string[]) => names.filter((n) => existsSync(path.join(dir, n)));

describe('runPrune --what segments: the age boundary on disk', () => {
  it('removes exactly the segments idle longer than --older-than, to the millisecond, by mtime not atime', async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, '2022/04/x.mp4', {
      segments: [NOW - AGE - 1, NOW - AGE, NOW - AGE + 1000, NOW - 3 * HOUR, NOW - 3 * HOUR, NOW - 60_000],
      playlist: NOW - 9 * HOUR,
      kfonly: NOW - 9 * HOUR,
    });
    setTimes(path.join(dir, 'segment5_0_av.ts'), NOW - 3 * HOUR, NOW); // read a second ago (atime): still idle by mtime
    setTimes(path.join(dir, 'segment6_0_av.ts'), NOW - 60_000, NOW - 9 * HOUR); // old atime, recent mtime: stays
    const report = await prune(cache);
    expect(report.items.map((i) => i.path).sort()).toEqual([
      '2022/04/x.mp4/segment1_0_av.ts',
      '2022/04/x.mp4/segment4_0_av.ts',
      '2022/04/x.mp4/segment5_0_av.ts',
    ]);
    expect(
      present(dir, [
        'segment1_0_av.ts',
        'segment2_0_av.ts',
        'segment3_0_av.ts',
        'segment4_0_av.ts',
        'segment5_0_av.ts',
        'segment6_0_av.ts',
      ]),
    ).toEqual(['segment2_0_av.ts', 'segment3_0_av.ts', 'segment6_0_av.ts']);
    expect(present(dir, ['index_0_av.m3u8', '.rendition.json', 'kfonly/index_0_av.m3u8'])).toHaveLength(3); // playlists stay
    expect(report).toMatchObject({ removed: 3, bytesFreed: 3000, errors: [], dryRun: false, cacheExists: true });
  });

  it('a segment being read when it is removed can still be read to the end (an in-flight response finishes)', async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, 'a.mp4', { segments: [NOW - 3 * HOUR], segmentBytes: 64 * 1024 });
    const fd = openSync(path.join(dir, 'segment1_0_av.ts'), 'r');
    try {
      await prune(cache);
      expect(existsSync(path.join(dir, 'segment1_0_av.ts'))).toBe(false);
      const buffer = Buffer.alloc(64 * 1024 + 1);
      expect(readSync(fd, buffer, 0, buffer.length, 0)).toBe(64 * 1024);
    } finally {
      closeSync(fd);
    }
  });
});

describe('runPrune --what renditions / sources / all', () => {
  it('removes whole idle rendition directories through .trash, keeps the one whose playlist was served', async () => {
    const cache = tempDir();
    makeRendition(cache, '2022/old.mp4', { segments: [NOW - 5 * HOUR, NOW - 4 * HOUR], kfonly: NOW - 3 * HOUR });
    makeRendition(cache, '2022/served.mp4', { segments: [NOW - 5 * HOUR], playlist: NOW - 60_000 });
    const report = await prune(cache, { what: 'renditions' });
    expect(report.items).toEqual([
      { path: '2022/old.mp4', kind: 'rendition', bytes: 2000 + 8 + 2 + 8, reason: 'idle', lastAccessMs: NOW - 3 * HOUR },
    ]);
    expect(existsSync(path.join(cache, '2022/old.mp4'))).toBe(false);
    expect(readdirSync(path.join(cache, '2022/served.mp4'))).toContain('segment1_0_av.ts'); // no single segments in this mode
    expect(readdirSync(path.join(cache, '.trash'))).toEqual([]);
    expect(existsSync(path.join(cache, '2022'))).toBe(true);
  });

  it('sources: removes idle source copies; a partial download only once older than tmpMaxAgeMs', async () => {
    const cache = tempDir();
    writeFile(path.join(cache, '.sources/a/old.mp4'), 100, NOW - AGE - 1000);
    writeFile(path.join(cache, '.sources/a/new.mp4'), 100, NOW - AGE);
    writeFile(path.join(cache, '.sources/a/x.mp4.part-1-0123abcd'), 100, NOW - TMP_MAX - 1000);
    writeFile(path.join(cache, '.sources/a/y.mp4.part-1-0123abcd'), 100, NOW - TMP_MAX);
    const dir = makeRendition(cache, 'a/old.mp4', { segments: [NOW - 9 * HOUR] });
    await prune(cache, { what: 'sources' });
    expect(readdirSync(path.join(cache, '.sources/a')).sort()).toEqual(['new.mp4', 'y.mp4.part-1-0123abcd']);
    expect(existsSync(path.join(dir, 'segment1_0_av.ts'))).toBe(true);
  });

  it('all: idle renditions whole, idle segments of the others, idle sources', async () => {
    const cache = tempDir();
    makeRendition(cache, 'idle.mp4', { segments: [NOW - 5 * HOUR] });
    const live = makeRendition(cache, 'live.mp4', { segments: [NOW - 5 * HOUR, NOW - 60_000] });
    writeFile(path.join(cache, '.sources/idle.mp4'), 100, NOW - 5 * HOUR);
    const report = await prune(cache, { what: 'all' });
    expect(report.items.map((i) => `${i.kind}:${i.path}`).sort()).toEqual([
      'rendition:idle.mp4',
      'segment:live.mp4/segment1_0_av.ts',
      'source:.sources/idle.mp4',
    ]);
    expect(readdirSync(live).sort()).toEqual(['.rendition.json', 'index_0_av.m3u8', 'segment2_0_av.ts']);
  });
});

describe('runPrune: safety', () => {
  it('symlinks planted in the cache (to a file and to a directory of .ts files) survive, and so do their targets', async () => {
    const cache = tempDir();
    const outside = tempDir('casterpak-outside-');
    const old = NOW - 100 * HOUR;
    const targetDir = makeRendition(outside, 'victim.mp4', { segments: [old, old] });
    const targetFile = writeFile(path.join(outside, 'precious.ts'), 100, old);
    const targetSource = writeFile(path.join(outside, 'precious.mp4'), 100, old);
    const dir = makeRendition(cache, 'r.mp4', { segments: [old] });
    const links = {
      [path.join(cache, 'linked.mp4')]: targetDir, // looks like a rendition directory
      [path.join(cache, 'shows')]: outside, // a top-level directory
      [path.join(dir, 'segment7_0_av.ts')]: targetFile, // a segment name
      [path.join(cache, 'keep.mp4', 'index_0_av.m3u8')]: targetFile,
      [path.join(cache, '.sources', 'precious.mp4')]: targetSource,
    };
    for (const [link, target] of Object.entries(links)) {
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(target, link);
    }
    const before = snapshot(outside);
    for (const what of ['segments', 'renditions', 'sources', 'all'] as const) {
      const report = await prune(cache, { what, olderThanMs: 0, maxSizeBytes: 0 });
      expect(report.errors, what).toEqual([]);
    }
    expect(snapshot(outside)).toEqual(before);
    for (const link of Object.keys(links)) expect(lstatSync(link).isSymbolicLink(), link).toBe(true);
    expect(readdirSync(dir)).toEqual(['segment7_0_av.ts']); // casterpak's files went, the link stayed
  });

  it("leaves files that are not casterpak's alone, even inside an idle rendition directory", async () => {
    const cache = tempDir();
    const old = NOW - 100 * HOUR;
    writeFile(path.join(cache, 'README.txt'), 5, old);
    writeFile(path.join(cache, 'misc/segment1_0_av.ts'), 5, old);
    writeFile(path.join(cache, '.published/show/kfonly/stream.m3u8'), 5, old);
    writeFile(path.join(cache, '.tmp/someone-elses'), 5, old);
    const dir = makeRendition(cache, 'r.mp4', { segments: [old, old], kfonly: old });
    writeFile(path.join(dir, 'operator-notes.txt'), 5, old);
    const report = await prune(cache, { what: 'all', olderThanMs: 0, maxSizeBytes: 0 });
    expect(report.items).toEqual([expect.objectContaining({ path: 'r.mp4', kind: 'rendition' })]);
    expect(readdirSync(dir)).toEqual(['operator-notes.txt']);
    expect(
      present(cache, ['README.txt', 'misc/segment1_0_av.ts', '.published/show/kfonly/stream.m3u8', '.tmp/someone-elses']),
    ).toHaveLength(4);
  });

  it('a dry run deletes nothing and changes no time, and lists what would go', async () => {
    const cache = tempDir();
    makeRendition(cache, 'a.mp4', { segments: [NOW - 5 * HOUR, NOW] });
    makeRendition(cache, 'b.mp4', { segments: [NOW - 5 * HOUR] });
    const run = makeRunDir(cache, 'c.mp4', NOW - 5 * HOUR);
    writeFile(path.join(cache, '.trash/x.mp4.abc/segment1_0_av.ts'), 10, NOW);
    const before = snapshot(cache);
    const report = await prune(cache, { what: 'all', dryRun: true, maxSizeBytes: 0 });
    expect(snapshot(cache)).toEqual(before);
    expect(report).toMatchObject({ dryRun: true, removed: 0, bytesFreed: 0 });
    expect(report.items.map((i) => i.path).sort()).toEqual([`.tmp/${path.basename(run)}`, '.trash/x.mp4.abc', 'a.mp4', 'b.mp4'].sort());
  });

  it('a missing or empty cache directory is success with nothing to do', async () => {
    const parent = tempDir();
    expect(await prune(path.join(parent, 'nope'), { what: 'all' })).toMatchObject({
      cacheExists: false,
      items: [],
      removed: 0,
      errors: [],
    });
    expect(existsSync(path.join(parent, 'nope'))).toBe(false);
    expect(await prune(parent, { what: 'all', maxSizeBytes: 0 })).toMatchObject({
      cacheExists: true,
      items: [],
      removed: 0,
      errors: [],
      cacheBytes: 0,
    });
  });

  it('refuses bad options with one USAGE line', async () => {
    const cache = tempDir();
    await expect(prune(cache, { olderThanMs: -1 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(prune(cache, { what: 'everything' as never })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('segments, renditions, sources, all'),
    });
    await expect(prune(cache, { maxSizeBytes: Number.NaN })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('runPrune: renditions being packaged, leftovers of killed runs', () => {
  it('keeps a rendition with a fresh lock, and one with a run directory younger than tmpMaxAgeMs', async () => {
    const cache = tempDir();
    const locked = makeRendition(cache, 'locked.mp4', { segments: [NOW - 5 * HOUR] });
    const running = makeRendition(cache, 'running.mp4', { segments: [NOW - 5 * HOUR] });
    makeLock(cache, 'locked.mp4', NOW);
    const run = makeRunDir(cache, 'running.mp4', NOW - TMP_MAX);
    for (const what of ['segments', 'renditions'] as const) {
      const report = await prune(cache, { what });
      expect(report.items, what).toEqual([]);
      expect(report.kept.map((k) => k.path).sort(), what).toEqual(['locked.mp4', 'running.mp4']);
    }
    expect(existsSync(path.join(locked, 'segment1_0_av.ts')) && existsSync(path.join(running, 'segment1_0_av.ts')) && existsSync(run)).toBe(
      true,
    );
  });

  it('sweeps a run directory only once older than tmpMaxAgeMs (2 × the packaging limit), then prunes its rendition', async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, 'r.mp4', { segments: [NOW - 5 * HOUR] });
    const run = makeRunDir(cache, 'r.mp4', NOW - TMP_MAX - 1000);
    const report = await prune(cache, { what: 'renditions' });
    expect(report.items.map((i) => `${i.kind}:${i.reason}`)).toEqual(['tmp:stale', 'rendition:idle']);
    expect(existsSync(run) || existsSync(dir)).toBe(false);
  });

  it('removes stale locks, expired failure markers and .trash contents; keeps fresh locks and live markers', async () => {
    const cache = tempDir();
    const fresh = makeLock(cache, 'a.mp4', NOW);
    const stale = makeLock(cache, 'b.mp4', NOW - 60_000);
    const expired = writeFile(path.join(cache, '.locks/0123456789abcdef0123.failed'), JSON.stringify({ until: NOW - 1 }), NOW);
    const live = writeFile(path.join(cache, '.locks/0123456789abcdef0124.failed'), JSON.stringify({ until: NOW + 30_000 }), NOW);
    writeFile(path.join(cache, '.trash/z.mp4.0a0b0c/segment1_0_av.ts'), 10, NOW);
    const report = await prune(cache);
    expect(report.items.map((i) => i.kind).sort()).toEqual(['failed', 'lock', 'trash']);
    expect([fresh, stale, expired, live].map((f) => existsSync(f))).toEqual([true, false, false, true]);
    expect(readdirSync(path.join(cache, '.trash'))).toEqual([]);
  });
});

describe('runPrune --max-size', () => {
  it('removes the least recently accessed renditions first until the cache fits', async () => {
    const cache = tempDir();
    const ages = { a: 10, b: 40, c: 20, d: 30 }; // minutes since last access; all younger than --older-than
    for (const [name, minutes] of Object.entries(ages))
      makeRendition(cache, `${name}.mp4`, { segments: [NOW - minutes * 60_000], segmentBytes: 10_000 });
    const report = await prune(cache, { what: 'renditions', maxSizeBytes: 25_000 });
    expect(report.items.map((i) => `${i.path}:${i.reason}`)).toEqual(['b.mp4:max-size', 'd.mp4:max-size']);
    expect(
      readdirSync(cache)
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(['a.mp4', 'c.mp4']);
    expect(report.cacheBytesAfter).toBeLessThanOrEqual(25_000);
    expect(report.overBudget).toBe(false);
  });

  it('segments: the least recently accessed segments go first, playlists stay', async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, 'a.mp4', { segments: [NOW - 50 * 60_000, NOW - 10 * 60_000, NOW - 30 * 60_000], playlist: NOW });
    const report = await prune(cache, { maxSizeBytes: 1500 });
    expect(report.items.map((i) => i.path)).toEqual(['a.mp4/segment1_0_av.ts', 'a.mp4/segment3_0_av.ts']);
    expect(readdirSync(dir).sort()).toEqual(['.rendition.json', 'index_0_av.m3u8', 'segment2_0_av.ts']);
  });

  it('plans the same removals with a budget that is never reached as without one', async () => {
    const build = () => {
      const cache = tempDir();
      for (let i = 0; i < 6; i++) makeRendition(cache, `d${i % 2}/r${i}.mp4`, { segments: [NOW - i * HOUR, NOW - (i + 1) * HOUR] });
      writeFile(path.join(cache, '.sources/d0/r1.mp4'), 10, NOW - 5 * HOUR);
      return cache;
    };
    const paths = async (options: Partial<PruneOptions>) =>
      (await prune(build(), { what: 'all', ...options })).items.map((i) => i.path).sort();
    expect(await paths({ maxSizeBytes: 10 ** 12 })).toEqual(await paths({ maxSizeBytes: null }));
  });
});

describe('runPrune: report', () => {
  it('reports sizes, counts and the scan', async () => {
    const cache = tempDir();
    makeRendition(cache, 'a.mp4', { segments: [NOW - 5 * HOUR, NOW], segmentBytes: 500 });
    const report = await prune(cache);
    expect(report).toMatchObject({
      what: 'segments',
      olderThanMs: AGE,
      maxSizeBytes: null,
      now: NOW,
      removed: 1,
      bytesFreed: 500,
      vanished: 0,
      cacheBytes: 1000 + 8 + 2,
      cacheBytesAfter: 500 + 8 + 2,
      scanned: { files: expect.any(Number), truncated: false, symlinks: 0, otherDevice: 0 },
    });
    expect(report.durationMs).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // plain data: what --json prints
  });
});
