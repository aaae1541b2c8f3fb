import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRenditions } from '../../../../src/lib/origin/status/listing.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const T = Date.UTC(2026, 0, 1) / 1000; // seconds

// A rendition directory with `segments` segments of 1,000 bytes, all files at time `at` (s).
function rendition(
  root: string,
  relative: string,
  segments: number,
  at: number,
  info: object | string | null = { segments, durationMs: segments * 4000 },
): string {
  const dir = path.join(root, relative);
  mkdirSync(path.join(dir, 'kfonly'), { recursive: true });
  const files = ['index_0_av.m3u8', 'kfonly/index_0_av.m3u8', ...Array.from({ length: segments }, (_, i) => `segment${i + 1}_0_av.ts`)];
  for (const file of files) writeFileSync(path.join(dir, file), file.endsWith('.ts') ? Buffer.alloc(1000) : '#EXTM3U\n');
  if (info !== null) writeFileSync(path.join(dir, '.rendition.json'), typeof info === 'string' ? info : JSON.stringify(info));
  for (const file of files) utimesSync(path.join(dir, file), at, at);
  return dir;
}

describe('listRenditions', () => {
  it('finds renditions at any depth, newest access first, with size, segments on disk and totals', async () => {
    const root = tempDir();
    rendition(root, 'a.mp4', 3, T);
    const b = rendition(root, '2022/04/b.mp4', 2, T + 10);
    utimesSync(path.join(b, 'segment2_0_av.ts'), T + 500, T + 500); // served later
    const listing = await listRenditions(root);
    expect(listing.complete).toBe(true);
    expect(listing.found).toBe(2);
    expect(listing.rows.map((r) => r.path)).toEqual(['2022/04/b.mp4', 'a.mp4']);
    const [rb, ra] = listing.rows;
    expect(rb.lastAccessMs).toBe((T + 500) * 1000);
    expect(rb.segments).toBe(2);
    expect(rb.segmentsTotal).toBe(2);
    expect(rb.durationMs).toBe(8000);
    expect(rb.kfonly).toBe(true);
    const infoBytes = JSON.stringify({ segments: 3, durationMs: 12000 }).length;
    expect(ra.bytes).toBe(3000 + 8 + 8 + infoBytes);
  });

  it('counts a pruned segment as missing and survives an unreadable rendition record', async () => {
    const root = tempDir();
    rendition(root, 'x.mp4', 3, T, '{not json');
    const { rm } = await import('node:fs/promises');
    await rm(path.join(root, 'x.mp4', 'segment2_0_av.ts'));
    await rm(path.join(root, 'x.mp4', 'kfonly'), { recursive: true });
    const [row] = (await listRenditions(root)).rows;
    expect(row).toMatchObject({ path: 'x.mp4', segments: 2, segmentsTotal: null, durationMs: null, kfonly: false });
  });

  it("carries a derived rendition's profile and source from its record, and null for a real one", async () => {
    const root = tempDir();
    rendition(root, 'lib/clip_360p.mp4', 1, T + 10, {
      segments: 3,
      durationMs: 12000,
      derived: { profile: '360p', source: 'lib/clip.mp4' },
    });
    rendition(root, 'lib/clip.mp4', 1, T);
    rendition(root, 'lib/odd_1p.mp4', 1, T - 10, { segments: 3, durationMs: 12000, derived: { profile: 7 } });
    const rows = (await listRenditions(root)).rows;
    expect(rows.map((r) => [r.path, r.derived])).toEqual([
      ['lib/clip_360p.mp4', { profile: '360p', source: 'lib/clip.mp4' }],
      ['lib/clip.mp4', null],
      ['lib/odd_1p.mp4', null], // a malformed record is no derived rendition
    ]);
  });

  it('skips casterpak dot directories and never follows symlinks', async () => {
    const root = tempDir();
    const outside = tempDir();
    rendition(outside, 'secret.mp4', 1, T);
    rendition(root, '.tmp/run.mp4', 1, T);
    rendition(root, '.sources/s.mp4', 1, T);
    mkdirSync(path.join(root, 'linked'));
    symlinkSync(path.join(outside, 'secret.mp4'), path.join(root, 'linked', 'secret.mp4'));
    symlinkSync(outside, path.join(root, 'elsewhere'));
    rendition(root, 'real.mp4', 1, T);
    expect((await listRenditions(root)).rows.map((r) => r.path)).toEqual(['real.mp4']);
  });

  it('stops at its file limit and keeps the newest rows within its row limit', async () => {
    const root = tempDir();
    for (let i = 0; i < 6; i++) rendition(root, `r${i}.mp4`, 1, T + i);
    const rows = await listRenditions(root, { maxFiles: 100, maxRows: 2 });
    expect(rows).toMatchObject({ found: 6, complete: true });
    expect(rows.rows.map((r) => r.path)).toEqual(['r5.mp4', 'r4.mp4']);
    const partial = await listRenditions(root, { maxFiles: 12, maxRows: 10 });
    expect(partial.complete).toBe(false);
    expect(partial.found).toBeGreaterThan(0); // what it read before the limit is listed
    expect(partial.found).toBeLessThan(6);
  });

  it('returns nothing for a cache directory that does not exist yet', async () => {
    expect(await listRenditions(path.join(tempDir(), 'missing'))).toEqual({ rows: [], found: 0, complete: true });
  });
});
