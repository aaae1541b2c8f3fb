// The fMP4 form's names (cache/names.ts) as routes (origin/request-path.ts), as the cache walker
// sees them (cache/scan.ts), and pruned: idle fMP4 segments go, the rest of the rendition stays.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmp4InitName, fmp4PlaylistName, fmp4SegmentName, fmp4FileRole } from '../../../../src/lib/cache/names.js';
import { scanCache } from '../../../../src/lib/cache/scan.js';
import type { RenditionEntry } from '../../../../src/lib/cache/entries.js';
import { routeRequest } from '../../../../src/lib/origin/request-path.js';
import { runPrune } from '../../../../src/lib/prune/run.js';
import { HOUR, NOW, makeRendition, writeFile } from '../../../helpers/cache-tree.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const options = { mediaExtensions: ['.mp4'], masterPrefix: '/p/' };
const route = (p: string) => routeRequest(p, '', options);

describe('the fMP4 form: names, routes, cache walk and prune', () => {
  it('routes each name to what it names, and refuses the rest', () => {
    expect(route('/i/d/a.mp4/fmp4/master.m3u8')).toEqual({ ok: true, route: { kind: 'fmp4-master', renditionPath: 'd/a.mp4' } });
    expect(route(`/i/a.mp4/fmp4/${fmp4PlaylistName('v')}`)).toEqual({
      ok: true,
      route: { kind: 'fmp4-index', renditionPath: 'a.mp4', ref: 'v' },
    });
    expect(route(`/i/a.mp4/fmp4/${fmp4InitName(12)}`)).toEqual({ ok: true, route: { kind: 'fmp4-init', renditionPath: 'a.mp4', ref: 12 } });
    expect(route(`/i/a.mp4/fmp4/${fmp4SegmentName(37, 2)}`)).toEqual({
      ok: true,
      route: { kind: 'fmp4-segment', renditionPath: 'a.mp4', ref: 2, segment: 37 },
    });
    expect(route('/i/a.mp4/fmp4/kfonly/index_0_v.m3u8')).toEqual({ ok: true, route: { kind: 'fmp4-kfonly', renditionPath: 'a.mp4' } });
    expect(route('/i/a.mp4/fmp4/kfonly/index_0_a2.m3u8').ok).toBe(false);
    expect(route('/i/a.mp4/manifest.mpd')).toEqual({ ok: true, route: { kind: 'dash', renditionPath: 'a.mp4' } });
    expect(route('/i/d/,a,b,.mp4.csmil/manifest.mpd')).toEqual({
      ok: true,
      route: { kind: 'dash-csmil', renditionPaths: ['d/a.mp4', 'd/b.mp4'] },
    });
    for (const bad of ['segment0_0_v.m4s', 'segment1_0_a0.m4s', 'segment1_0_av.m4s', 'init_0_v.m4s', 'index_0_av.m3u8', 'x.mp4'])
      expect(route(`/i/a.mp4/fmp4/${bad}`).ok, bad).toBe(false);
    expect(route('/i/fmp4/master.m3u8').ok).toBe(false);
    expect(route('/i/a.mov/fmp4/master.m3u8').ok).toBe(false);
  });

  it('the cache walker knows the fmp4/ files; prune takes idle fMP4 segments and init segments', async () => {
    const cache = tempDir();
    const dir = makeRendition(cache, 'x.mp4', { segments: [NOW - HOUR], segmentBytes: 188 });
    for (const name of [fmp4InitName('v'), fmp4SegmentName(1, 'v'), fmp4SegmentName(1, 3)])
      writeFile(path.join(dir, 'fmp4', name), 100, NOW - 3 * HOUR);
    writeFile(path.join(dir, 'fmp4', fmp4PlaylistName('v')), 50, NOW - 3 * HOUR);
    writeFile(path.join(dir, 'fmp4', 'notes.txt'), 5, NOW - 3 * HOUR);
    const scan = await scanCache(cache, { now: NOW });
    const entry = scan.entries.find((e) => e.path === 'x.mp4') as RenditionEntry;
    const fmp4 = entry.files.filter((f) => f.name.startsWith('fmp4/')).map((f) => `${f.name}:${f.role}`);
    expect(fmp4.sort()).toEqual([
      'fmp4/index_0_v.m3u8:playlist',
      'fmp4/init_0_v.mp4:segment',
      'fmp4/segment1_0_a3.m4s:segment',
      'fmp4/segment1_0_v.m4s:segment',
    ]);
    expect(entry.foreign).toBe(1); // notes.txt
    expect(fmp4FileRole('.segment1_0_v.m4s.tmp-12-0123abcd')).toBe('temp');
    await runPrune({ cacheDir: cache, olderThanMs: 2 * HOUR, tmpMaxAgeMs: HOUR, now: NOW });
    expect(existsSync(path.join(dir, 'fmp4', fmp4SegmentName(1, 'v')))).toBe(false);
    expect(existsSync(path.join(dir, 'fmp4', fmp4InitName('v')))).toBe(false);
    expect(existsSync(path.join(dir, 'fmp4', fmp4PlaylistName('v')))).toBe(true);
    expect(existsSync(path.join(dir, 'segment1_0_av.ts'))).toBe(true);
  });
});
