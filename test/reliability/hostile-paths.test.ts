// docs/reliability.md: ≥ 1,000 generated hostile request paths (dot segments raw, encoded,
// double-encoded and overlong-UTF-8-encoded, backslashes, NULs, very long paths) against an
// origin whose source root, published root and cache directory hold symlinks pointing outside.
// Oracles: a secret outside the roots never appears in a body, and an fs spy sees no file
// opened or read outside the roots (real paths). Only 400/403/404/414 answers; no crash.
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../helpers/origin.js';
import { tempDir } from '../helpers/temp-dir.js';
import { installFsOracle } from './helpers/fs-oracle.js';
import { hostileCorpus, plantHostile, rawGet, SECRET, SYMLINK_PATHS } from './helpers/hostile.js';

async function hostileOrigin() {
  const outside = tempDir('casterpak-outside-');
  const publishedRoot = tempDir('casterpak-published-');
  // No read-ahead: one test's origin would go on making segments inside the next test's oracle.
  const t = await startOrigin({ 'ok/av.mp4': 'av.mp4' }, { publishedRoot, serve: { readAhead: 0 } });
  plantHostile(outside, { sourceRoot: t.sourceRoot, publishedRoot, cacheDir: t.cacheDir });
  return { t, outside, roots: [t.sourceRoot, publishedRoot, t.cacheDir] };
}

describe('hostile paths: nothing read outside the roots', () => {
  it('symlinks planted in the source root, the published root and the cache directory lead nowhere', async () => {
    const { t, roots } = await hostileOrigin();
    const oracle = installFsOracle();
    try {
      for (const target of SYMLINK_PATHS) {
        const { status, body } = await rawGet(t.url, target);
        expect([400, 403, 404], `${target}: ${body.slice(0, 300)}`).toContain(status);
        expect(body, target).not.toContain(SECRET);
      }
      // A good request reads inside the roots: proof that the spy sees the origin's reads (the
      // hostile ones are refused before any read).
      expect((await rawGet(t.url, '/i/ok/av.mp4/segment1_0_av.ts')).status).toBe(200);
      expect(oracle.outside(roots)).toEqual([]);
      expect(oracle.reads.length).toBeGreaterThan(0);
    } finally {
      oracle.restore();
    }
    expect((await rawGet(t.url, '/i/ok/av.mp4/index_0_av.m3u8')).status).toBe(200);
  });

  it(
    'answers 1,600 generated hostile paths (seeds 8004, 8005) with 400/403/404/414 only, reading nothing outside',
    { timeout: 60_000 },
    async () => {
      const { t, roots } = await hostileOrigin();
      const samples = hostileCorpus();
      const oracle = installFsOracle();
      const statuses = new Map<number, number>();
      try {
        for (let i = 0; i < samples.length; i += 30) {
          const batch = await Promise.all(samples.slice(i, i + 30).map((p) => rawGet(t.url, p).then((r) => ({ ...r, p }))));
          for (const { status, body, p } of batch) {
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            expect(body, p).not.toContain(SECRET);
            if (status === 200)
              expect(p, p).toMatch(/^\/i\/ok\/av\.mp4\//); // a generated path may name the real rendition
            else expect([400, 403, 404, 414], `${p.slice(0, 300)} → ${status}`).toContain(status);
          }
        }
        expect(oracle.outside(roots)).toEqual([]);
      } finally {
        oracle.restore();
      }
      console.info('[reliability] hostile paths', samples.length, JSON.stringify(Object.fromEntries(statuses)));
      expect(samples.length).toBeGreaterThanOrEqual(1000);
      expect((await rawGet(t.url, '/healthz')).status).toBe(200);
    },
  );
});
