import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrossDeviceError, removeTree, renameAndRemove, trashDir } from '../../../src/lib/cache/remove-tree.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('removeTree', () => {
  it('removes a tree, unlinking symlinks inside without touching their targets', async () => {
    const root = tempDir();
    const outside = tempDir('casterpak-outside-');
    writeFileSync(path.join(outside, 'keep.ts'), 'precious');
    const tree = path.join(root, 'r.mp4');
    mkdirSync(path.join(tree, 'kfonly'), { recursive: true });
    writeFileSync(path.join(tree, 'segment1_0_av.ts'), 'x');
    symlinkSync(outside, path.join(tree, 'kfonly', 'dir-link'));
    symlinkSync(path.join(outside, 'keep.ts'), path.join(tree, 'segment2_0_av.ts'));
    await removeTree(tree, statSync(root).dev);
    expect(existsSync(tree)).toBe(false);
    expect(readFileSync(path.join(outside, 'keep.ts'), 'utf8')).toBe('precious');
  });

  it('refuses to enter a directory on another device', async () => {
    const root = tempDir();
    await expect(removeTree(root, statSync(root).dev + 1)).rejects.toBeInstanceOf(CrossDeviceError);
    expect(existsSync(root)).toBe(true);
  });
});

describe('renameAndRemove and trashDir', () => {
  it('moves the directory into the trash, deletes it there; false when it was already gone', async () => {
    const root = tempDir();
    const dev = statSync(root).dev;
    const trash = (await trashDir(path.join(root, '.trash'), dev))!;
    mkdirSync(path.join(root, 'a.mp4'));
    writeFileSync(path.join(root, 'a.mp4', 'index_0_av.m3u8'), '#EXTM3U\n');
    expect(await renameAndRemove(path.join(root, 'a.mp4'), trash, dev)).toBe(true);
    expect(existsSync(path.join(root, 'a.mp4'))).toBe(false);
    expect(await renameAndRemove(path.join(root, 'a.mp4'), trash, dev)).toBe(false);
  });

  it('will not use a .trash that is a symlink (it could lead out of the cache)', async () => {
    const root = tempDir();
    const outside = tempDir('casterpak-outside-');
    symlinkSync(outside, path.join(root, '.trash'));
    expect(await trashDir(path.join(root, '.trash'), statSync(root).dev)).toBeNull();
    expect(lstatSync(path.join(root, '.trash')).isSymbolicLink()).toBe(true);
  });
});
