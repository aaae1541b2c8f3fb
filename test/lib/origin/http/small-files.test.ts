import { promises as fsp, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SmallFileCache } from '../../../../src/lib/origin/http/small-files.js';
import { tempDir } from '../../../helpers/temp-dir.js';

afterEach(() => vi.restoreAllMocks());

describe('SmallFileCache: playlists from memory, never stale', () => {
  it('reads an unchanged file once, and a file replaced by rename again', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'index_0_av.m3u8');
    writeFileSync(file, '#EXTM3U\n#A\n');
    const reads = vi.spyOn(fsp, 'readFile');
    const cache = new SmallFileCache(1024);
    expect((await cache.read(file)).body.toString()).toBe('#EXTM3U\n#A\n');
    expect((await cache.read(file)).body.toString()).toBe('#EXTM3U\n#A\n');
    expect(reads).toHaveBeenCalledTimes(1);
    // package --force commits a new rendition by rename: a new inode, read again.
    writeFileSync(path.join(dir, 'next'), '#EXTM3U\n#B\n');
    renameSync(path.join(dir, 'next'), file);
    expect((await cache.read(file)).body.toString()).toBe('#EXTM3U\n#B\n');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('a pruned file is ENOENT, not its old bytes', async () => {
    const file = path.join(tempDir(), 'index_0_av.m3u8');
    writeFileSync(file, '#EXTM3U\n');
    const cache = new SmallFileCache(1024);
    await cache.read(file);
    rmSync(file);
    await expect(cache.read(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps at most its byte budget, least recently used out first, and no file over its size limit', async () => {
    const dir = tempDir();
    const files = ['a', 'b', 'c'].map((n) => path.join(dir, n));
    for (const f of files) writeFileSync(f, Buffer.alloc(400));
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(2000));
    const cache = new SmallFileCache(1000, 0, 1000);
    const reads = vi.spyOn(fsp, 'readFile');
    await cache.read(files[0]);
    await cache.read(files[1]);
    await cache.read(files[0]); // a used again: b is now the oldest
    await cache.read(files[2]); // 1,200 bytes: b goes
    expect(reads).toHaveBeenCalledTimes(3);
    await cache.read(files[0]);
    await cache.read(files[2]);
    expect(reads).toHaveBeenCalledTimes(3);
    await cache.read(files[1]);
    expect(reads).toHaveBeenCalledTimes(4);
    await cache.read(path.join(dir, 'big'));
    await cache.read(path.join(dir, 'big'));
    expect(reads).toHaveBeenCalledTimes(6);
  });

  it('within revalidateMs serves from memory without looking; after it, sees a pruned file', async () => {
    const file = path.join(tempDir(), 'index_0_av.m3u8');
    writeFileSync(file, '#EXTM3U\n');
    let now = 1_000_000;
    const cache = new SmallFileCache(1024, 1000, 1024, () => now);
    await cache.read(file);
    rmSync(file);
    now += 999;
    expect((await cache.read(file)).body.toString()).toBe('#EXTM3U\n'); // within Cache-Control's allowance
    now += 1;
    await expect(cache.read(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
