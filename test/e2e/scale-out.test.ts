// Scale-out as deploy/nginx/casterpak.conf sets it up: two casterpak nodes (separate cache
// directories) behind nginx's consistent hash on the rendition path. Every file of a rendition
// goes to one node, so each rendition is packaged once; when a node stops, the other one
// packages and serves its renditions, with the same bytes.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { REPO_DIR, resources } from './helpers/resources.js';
import { metricSum, startServe, type ServeProcess } from './helpers/serve-process.js';

const res = resources();
const MAX_RENDITIONS = 16;
let nodes: ServeProcess[];
let nginx: Nginx;
// Rendition path → index of the node that packaged it (filled by the first test).
const owner = new Map<string, number>();

beforeAll(async () => {
  const library = res.dir('library');
  for (let i = 0; i < MAX_RENDITIONS; i++) {
    mkdirSync(path.join(library, `r${i}`));
    copyFileSync(path.join(REPO_DIR, 'test/fixtures/media/av.mp4'), path.join(library, `r${i}/av.mp4`));
  }
  nodes = await Promise.all([0, 1].map((n) => startServe(res, { cacheDir: res.dir(`cache${n}`), sourceRoot: library })));
  nginx = await startNginx(
    res,
    nodes.map((node) => `127.0.0.1:${node.port}`),
  );
});
afterAll(() => res.release());

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
// Renditions made: one playlist answered from the moov each (segments are made alone on top).
const packagingRuns = async (node: ServeProcess) => metricSum(await node.metrics(), 'casterpak_packaging_runs_total', { what: 'playlist' });
const holders = (rendition: string) =>
  nodes.map((node, i) => (existsSync(path.join(node.cacheDir, rendition, 'index_0_av.m3u8')) ? i : -1)).filter((i) => i >= 0);

// Everything a player asks for, except segment 3 (kept cold for the fail-over test).
const FILES = ['master.m3u8', 'index_0_av.m3u8', 'kfonly/index_0_av.m3u8', 'segment1_0_av.ts', 'segment2_0_av.ts'];

describe('two casterpak nodes behind nginx (hash on the rendition path, consistent)', () => {
  it('packages each rendition on one node only, and both nodes get renditions', async () => {
    for (let i = 0; i < MAX_RENDITIONS && (i < 6 || new Set(owner.values()).size < 2); i++) {
      const rendition = `r${i}/av.mp4`;
      for (const file of FILES) {
        const response = await get(`${nginx.url}/i/${rendition}/${file}`);
        expect(response.status, `${rendition}/${file}: ${await response.clone().text()}`).toBe(200);
        await response.arrayBuffer();
      }
      const held = holders(rendition);
      expect(held, rendition).toHaveLength(1);
      owner.set(rendition, held[0]);
    }
    // The chance that 16 renditions all hash to one node is 2^-15.
    expect(new Set(owner.values()).size).toBe(2);
    const runs = await Promise.all(nodes.map(packagingRuns));
    for (const n of [0, 1]) expect(runs[n]).toBe([...owner.values()].filter((o) => o === n).length);
  });

  it('serves a stopped node’s renditions from the other node, with the same bytes', async () => {
    expect(owner.size).toBeGreaterThan(0);
    const stopped = owner.get('r0/av.mp4')!;
    const survivor = 1 - stopped;
    const moved = [...owner.entries()].filter(([, n]) => n === stopped).map(([r]) => r);
    const before = new Map<string, Buffer>();
    for (const rendition of moved) {
      before.set(rendition, Buffer.from(await (await get(`${nodes[stopped].url}/i/${rendition}/segment3_0_av.ts`)).arrayBuffer()));
    }
    const survivorRuns = await packagingRuns(nodes[survivor]);
    expect(await nodes[stopped].stop()).toBe(0);

    for (const rendition of moved) {
      // Already in nginx's cache: still served, without any node.
      const cached = await get(`${nginx.url}/i/${rendition}/segment1_0_av.ts`);
      expect(cached.headers.get('x-cache-status')).toBe('HIT');
      // Not cached yet: the survivor packages the rendition and serves the same bytes.
      const response = await get(`${nginx.url}/i/${rendition}/segment3_0_av.ts`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-cache-status')).toBe('MISS');
      expect(Buffer.from(await response.arrayBuffer()).equals(before.get(rendition)!)).toBe(true);
      // Answered as soon as it was made, before its rendition was committed (docs/architecture.md,
      // "A cold rendition's first segment").
      await expect.poll(() => holders(rendition)).toContain(survivor);
    }
    await expect.poll(async () => (await packagingRuns(nodes[survivor])) - survivorRuns).toBe(moved.length);
    // The survivor's own renditions were not touched.
    const kept = [...owner.entries()].filter(([, n]) => n === survivor);
    for (const [rendition] of kept) expect((await get(`${nginx.url}/i/${rendition}/segment3_0_av.ts`)).status).toBe(200);
    expect((await packagingRuns(nodes[survivor])) - survivorRuns).toBe(moved.length);
  });
});
