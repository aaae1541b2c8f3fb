import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitRendition } from '../../../src/lib/cache/commit.js';
import { cacheLayout, type CacheLayout } from '../../../src/lib/cache/names.js';
import { tempDir } from '../../helpers/temp-dir.js';

// A rendition-like directory: playlist, segments and info file with the given contents.
function rendition(dir: string, playlist: string, segments: string[], info = '{"v":1}'): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index_0_av.m3u8'), playlist);
  segments.forEach((bytes, i) => writeFileSync(path.join(dir, `segment${i + 1}_0_av.ts`), bytes));
  writeFileSync(path.join(dir, '.rendition.json'), info);
  return dir;
}

function setup(): { layout: CacheLayout; tmp: (name: string) => string; final: string } {
  const layout = cacheLayout(tempDir());
  return { layout, tmp: (name) => path.join(layout.tmpDir(), name), final: layout.renditionDir('2022/x.mp4') };
}

const listing = (dir: string) => readdirSync(dir).sort();

describe('commitRendition', () => {
  it('moves a new rendition into place and consumes the temporary directory', async () => {
    const { layout, tmp, final } = setup();
    const source = rendition(tmp('run1'), 'P1', ['s1', 's2']);
    expect(await commitRendition(layout, source, '2022/x.mp4')).toBe('committed');
    expect(listing(final)).toEqual(['.rendition.json', 'index_0_av.m3u8', 'segment1_0_av.ts', 'segment2_0_av.ts']);
    expect(existsSync(source)).toBe(false);
  });

  it('replaces leftovers without a playlist (they are not a rendition)', async () => {
    const { layout, tmp, final } = setup();
    mkdirSync(final, { recursive: true });
    writeFileSync(path.join(final, 'segment1_0_av.ts'), 'stale');
    expect(await commitRendition(layout, rendition(tmp('run1'), 'P1', ['s1']), '2022/x.mp4')).toBe('committed');
    expect(readFileSync(path.join(final, 'segment1_0_av.ts'), 'utf8')).toBe('s1');
    expect(existsSync(layout.trashDir()) ? readdirSync(layout.trashDir()) : []).toEqual([]);
  });

  it('puts back only the missing segments when the playlist is the same, and refreshes the info file', async () => {
    const { layout, tmp, final } = setup();
    await commitRendition(layout, rendition(tmp('run1'), 'P1', ['s1', 's2', 's3']), '2022/x.mp4');
    rmSync(path.join(final, 'segment2_0_av.ts'));
    const kept = statSync(path.join(final, 'segment1_0_av.ts')).ino;
    const again = rendition(tmp('run2'), 'P1', ['s1', 's2', 's3'], '{"v":2}');
    expect(await commitRendition(layout, again, '2022/x.mp4')).toBe('repaired');
    expect(readFileSync(path.join(final, 'segment2_0_av.ts'), 'utf8')).toBe('s2');
    expect(statSync(path.join(final, 'segment1_0_av.ts')).ino).toBe(kept); // present files are not touched
    expect(readFileSync(path.join(final, '.rendition.json'), 'utf8')).toBe('{"v":2}');
    expect(existsSync(again)).toBe(false);
  });

  it('keeps a complete rendition with the same playlist', async () => {
    const { layout, tmp, final } = setup();
    await commitRendition(layout, rendition(tmp('run1'), 'P1', ['s1']), '2022/x.mp4');
    const again = rendition(tmp('run2'), 'P1', ['s1']);
    expect(await commitRendition(layout, again, '2022/x.mp4')).toBe('existing');
    expect(listing(final)).toEqual(['.rendition.json', 'index_0_av.m3u8', 'segment1_0_av.ts']);
    expect(existsSync(again)).toBe(false);
  });

  it('replaces a rendition whose playlist differs, or when asked to', async () => {
    const { layout, tmp, final } = setup();
    await commitRendition(layout, rendition(tmp('run1'), 'P1', ['s1', 's2', 's3']), '2022/x.mp4');
    expect(await commitRendition(layout, rendition(tmp('run2'), 'P2', ['t1']), '2022/x.mp4')).toBe('replaced');
    expect(listing(final)).toEqual(['.rendition.json', 'index_0_av.m3u8', 'segment1_0_av.ts']); // no segment of the old one survives
    expect(readFileSync(path.join(final, 'segment1_0_av.ts'), 'utf8')).toBe('t1');
    expect(await commitRendition(layout, rendition(tmp('run3'), 'P2', ['u1']), '2022/x.mp4', true)).toBe('replaced');
    expect(readFileSync(path.join(final, 'segment1_0_av.ts'), 'utf8')).toBe('u1');
    expect(readdirSync(layout.trashDir())).toEqual([]);
  });
});
