import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renditionKey } from '../../../src/lib/cache/names.js';
import { PruneDeleter } from '../../../src/lib/prune/delete.js';
import type { RenditionEntry } from '../../../src/lib/cache/entries.js';
import type { PruneItem } from '../../../src/lib/prune/plan.js';
import { HOUR, NOW, makeLock, makeRendition, writeFile } from '../../helpers/cache-tree.js';
import { tempDir } from '../../helpers/temp-dir.js';

function item(path: string, kind: PruneItem['kind'], extra: Partial<PruneItem> = {}): PruneItem {
  return { path, kind, bytes: 1, reason: 'idle', lastAccessMs: NOW - 5 * HOUR, key: null, ...extra };
}

const deleter = (cache: string) => new PruneDeleter(cache, statSync(cache).dev, 4);

function renditionEntry(path: string, foreign = 0): RenditionEntry {
  return {
    kind: 'rendition',
    path,
    foreign,
    files: ['index_0_av.m3u8', '.rendition.json', 'segment1_0_av.ts'].map((name) => ({
      name,
      role: 'segment' as const,
      bytes: 1,
      mtimeMs: NOW,
    })),
  };
}

describe('PruneDeleter', () => {
  it('leaves a rendition alone when its packaging started after the scan (a fresh lock)', async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, 'a.mp4', { segments: [NOW - 5 * HOUR] });
    makeLock(cache, 'a.mp4', Date.now());
    const run = deleter(cache);
    run.push(item('a.mp4/segment1_0_av.ts', 'segment', { key: renditionKey('a.mp4') }));
    run.push(item('a.mp4', 'rendition', { key: renditionKey('a.mp4') }), renditionEntry('a.mp4'));
    const outcome = await run.finish();
    expect(outcome).toEqual({ done: [], vanished: 0, errors: [], kept: [{ path: 'a.mp4', kind: 'rendition', reason: 'packaging' }] });
    expect(existsSync(path.join(dir, 'segment1_0_av.ts'))).toBe(true);
  });

  it('does not remove a lock that was heartbeaten (taken over) since the scan', async () => {
    const cache = tempDir();
    const lock = makeLock(cache, 'a.mp4', NOW);
    const run = deleter(cache);
    run.push(item(path.relative(cache, lock), 'lock', { lastAccessMs: NOW - 60_000 }));
    expect(await run.finish()).toMatchObject({ done: [], errors: [] });
    expect(existsSync(lock)).toBe(true);
  });

  it('counts what is already gone as vanished, not as an error; reports real failures', async () => {
    const cache = tempDir();
    writeFileSync(path.join(cache, 'file.mp4'), 'x'); // a file where a directory is expected: ENOTDIR
    const run = deleter(cache);
    run.push(item('gone.mp4/segment1_0_av.ts', 'segment'));
    run.push(item('gone.mp4', 'rendition'), renditionEntry('gone.mp4'));
    run.push(item('.trash/gone', 'trash'));
    run.push(item('file.mp4/segment1_0_av.ts', 'segment'));
    const outcome = await run.finish();
    expect(outcome.vanished).toBe(3);
    expect(outcome.errors).toEqual([{ path: 'file.mp4/segment1_0_av.ts', message: 'ENOTDIR' }]);
  });

  it("renames a rendition away whole; when .trash cannot be used, removes casterpak's files in place", async () => {
    const cache = tempDir();
    const whole = makeRendition(cache, 'whole.mp4', { segments: [NOW] });
    const run = deleter(cache);
    run.push(item('whole.mp4', 'rendition'), renditionEntry('whole.mp4'));
    expect((await run.finish()).done).toHaveLength(1);
    expect(existsSync(whole)).toBe(false);

    const other = tempDir();
    const inPlace = makeRendition(other, 'p.mp4', { segments: [NOW] });
    writeFileSync(path.join(other, '.trash'), 'not a directory');
    const second = deleter(other);
    second.push(item('p.mp4', 'rendition'), renditionEntry('p.mp4'));
    expect((await second.finish()).done).toHaveLength(1);
    expect(existsSync(inPlace)).toBe(false);
  });

  it("a rendition with foreign things inside loses only casterpak's files; the directory stays for them", async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, 'f.mp4', { segments: [NOW] });
    mkdirSync(path.join(dir, 'extras'));
    writeFile(path.join(dir, 'extras', 'x.txt'), 1, NOW);
    const run = deleter(cache);
    run.push(item('f.mp4', 'rendition'), renditionEntry('f.mp4', 1));
    expect((await run.finish()).done).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['extras']);
  });
});
