import { createHash } from 'node:crypto';
import { readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_BIN_DIR, countingRuns, fakeBinDir, media } from '../../helpers/bento4.js';
import { locateBento4 } from '../../../src/lib/packaging/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { startServe } from '../../helpers/serve-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sha = (bytes: ArrayBuffer) => createHash('sha256').update(Buffer.from(bytes)).digest('hex');

describe('serve: many requests, one packaging run', () => {
  it('50 concurrent cold requests start exactly one mp42hls run and all get the same bytes', async () => {
    const runs = countingRuns();
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { bento4: { binDir: fakeBinDir('counting-slow') } });
    const responses = await Promise.all(Array.from({ length: 50 }, () => t.get('/i/av.mp4/index_0_av.m3u8')));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const bodies = new Set(await Promise.all(responses.map((r) => r.text())));
    expect(bodies.size).toBe(1);
    const statuses = responses.map((r) => r.headers.get('x-casterpak-cache'));
    expect(statuses.filter((s) => s === 'MISS')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'WAIT')).toHaveLength(49);
    expect(runs()).toBe(1);
  });

  it('beyond --max-jobs and the queue, answers 503 with Retry-After', async () => {
    const sources = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`v${i}.mp4`, 'av.mp4']));
    const runs = countingRuns();
    const t = await startOrigin(sources, { bento4: { binDir: fakeBinDir('counting-slow') }, serve: { maxJobs: 1, maxQueue: 1 } });
    const responses = await Promise.all(Object.keys(sources).map((p) => t.get(`/i/${p}/index_0_av.m3u8`)));
    const codes = responses.map((r) => r.status).sort();
    expect(codes).toEqual([200, 200, 503, 503]);
    const refused = responses.find((r) => r.status === 503)!;
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.text()).toMatch(/queue is full/);
    expect(runs()).toBe(2);
  });
});

// Packaging runs by what they made (the pinned Bento4), as the origin's own metrics count them.
const runsOf = async (url: string, what: 'playlist' | 'segment') =>
  Number(
    new RegExp(`casterpak_packaging_runs_total\\{outcome="committed",what="${what}"\\} (\\d+)`).exec(
      await (await fetch(`${url}/metrics`)).text(),
    )?.[1] ?? 0,
  );

describe('serve: many requests for one missing segment, one run', () => {
  it('30 concurrent requests for a segment never made make it once alone; all get the same bytes', async () => {
    // The counting fake taken for the pinned Bento4: it counts mp42hls runs.
    const runs = countingRuns();
    const counting = { ...locateBento4(REAL_BIN_DIR, 30_000), mp42hls: path.join(fakeBinDir('counting-slow'), 'mp42hls') };
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { serve: { readAhead: 0 } }, undefined, counting);
    const responses = await Promise.all(Array.from({ length: 30 }, () => t.get('/i/av.mp4/segment2_0_av.ts')));
    expect(responses.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(new Set(await Promise.all(responses.map(async (r) => sha(await r.arrayBuffer())))).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('x-casterpak-cache') === 'MISS')).toHaveLength(1);
    await t.settled();
    expect(runs()).toBe(1); // made first with its rendition (docs/architecture.md, "A cold rendition's first segment")
    expect(readdirSync(path.join(t.cacheDir, 'av.mp4')).filter((n) => n.endsWith('.ts'))).toEqual(['segment2_0_av.ts']);
  });

  it('two serve processes on one cache make a missing segment once between them', async () => {
    const root = tempDir('casterpak-two-');
    const library = path.join(root, 'library');
    mkdirSync(library);
    copyFileSync(media('av.mp4'), path.join(library, 'av.mp4'));
    const args = ['--cache-dir', path.join(root, 'cache'), '--source-root', library, '--segment-duration', '4', '--read-ahead', '0'];
    const [a, b] = await Promise.all([startServe(args), startServe(args)]);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${i % 2 ? a.url : b.url}/i/av.mp4/segment3_0_av.ts`)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(await Promise.all(responses.map(async (r) => sha(await r.arrayBuffer())))).size).toBe(1);
    // One rendition between them, which made the segment first; no segment run of its own in either.
    expect((await runsOf(a.url, 'playlist')) + (await runsOf(b.url, 'playlist'))).toBe(1);
    expect((await runsOf(a.url, 'segment')) + (await runsOf(b.url, 'segment'))).toBe(0);
    expect(readdirSync(path.join(root, 'cache', '.tmp'))).toEqual([]);
  });
});

describe('serve: two processes sharing one cache directory', () => {
  it('package each rendition once between them, and both answer with the same bytes', async () => {
    const root = tempDir('casterpak-two-');
    const library = path.join(root, 'library');
    mkdirSync(library);
    copyFileSync(media('av.mp4'), path.join(library, 'av.mp4'));
    const binDir = fakeBinDir('counting-slow');
    const args = ['--cache-dir', path.join(root, 'cache'), '--source-root', library, '--bento4-dir', binDir, '--segment-duration', '4'];
    const runs = countingRuns(); // its environment reaches both serve processes
    const [a, b] = await Promise.all([startServe(args), startServe(args)]);
    const requests = Array.from({ length: 20 }, (_, i) => fetch(`${i % 2 ? a.url : b.url}/i/av.mp4/segment2_0_av.ts`));
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const hashes = new Set(await Promise.all(responses.map(async (r) => sha(await r.arrayBuffer()))));
    expect(hashes.size).toBe(1);
    expect(runs()).toBe(1);
    expect(readdirSync(path.join(root, 'cache', '.tmp'))).toEqual([]);
  });
});
