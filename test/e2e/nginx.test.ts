// nginx with deploy/nginx/casterpak.conf in front of a real `casterpak serve`: segments are
// cached (MISS, then HIT), ranges are answered from the cached whole segment, concurrent cold
// requests reach casterpak once, playlists and segments get their own lifetimes, and a player
// plays through it.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPage } from './helpers/browser.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { playPast, startPlayerPage } from './helpers/player-page.js';
import { REPO_DIR, resources } from './helpers/resources.js';
import { metricSum, startServe, type ServeProcess } from './helpers/serve-process.js';

const res = resources();
let serve: ServeProcess;
let nginx: Nginx;

const RENDITIONS = ['hit', 'range', 'lock', 'ttl', 'player'];

beforeAll(async () => {
  const library = res.dir('library');
  for (const name of RENDITIONS) {
    mkdirSync(path.join(library, name));
    copyFileSync(path.join(REPO_DIR, 'test/fixtures/media/av.mp4'), path.join(library, name, 'av.mp4'));
  }
  serve = await startServe(res, { cacheDir: res.dir('cache'), sourceRoot: library });
  nginx = await startNginx(res, [`127.0.0.1:${serve.port}`]);
});
afterAll(() => res.release());

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());
const segmentRequests = async () => metricSum(await serve.metrics(), 'casterpak_http_requests_total', { route: 'segment' });

describe('nginx in front of casterpak', () => {
  it('answers the second request for a segment from its cache (X-Cache-Status HIT)', async () => {
    const url = `${nginx.url}/i/hit/av.mp4/segment2_0_av.ts`;
    const before = await segmentRequests();
    const first = await get(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache-status')).toBe('MISS');
    const firstBytes = await bytesOf(first);
    const second = await get(url);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache-status')).toBe('HIT');
    expect((await bytesOf(second)).equals(firstBytes)).toBe(true);
    // casterpak saw one request; its headers (CORS, type) are kept on the cached copy.
    expect((await segmentRequests()) - before).toBe(1);
    expect(second.headers.get('access-control-allow-origin')).toBe('*');
    expect(second.headers.get('content-type')).toBe('video/mp2t');
    const direct = await bytesOf(await get(`${serve.url}/i/hit/av.mp4/segment2_0_av.ts`));
    expect(firstBytes.equals(direct)).toBe(true);
  });

  it('answers byte ranges with 206 and the right bytes, on a MISS and on a HIT, from one whole-segment fetch', async () => {
    const whole = await bytesOf(await get(`${serve.url}/i/range/av.mp4/segment1_0_av.ts`));
    const url = `${nginx.url}/i/range/av.mp4/segment1_0_av.ts`;
    const upstream206 = () =>
      serve.metrics().then((m) => metricSum(m, 'casterpak_http_requests_total', { route: 'segment', status: '206' }));
    const before = await upstream206();
    for (const [expected, range, start, end] of [
      ['MISS', 'bytes=376-3759', 376, 3759],
      ['HIT', 'bytes=188-375', 188, 375],
      ['HIT', `bytes=-188`, whole.length - 188, whole.length - 1],
    ] as const) {
      const response = await get(url, { Range: range });
      expect(response.status, range).toBe(206);
      expect(response.headers.get('x-cache-status')).toBe(expected);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${whole.length}`);
      expect((await bytesOf(response)).equals(whole.subarray(start, end + 1))).toBe(true);
    }
    const beyond = await get(url, { Range: `bytes=${whole.length + 10}-` });
    expect(beyond.status).toBe(416);
    // casterpak was asked for the whole segment, never for a range (the cache key has no range).
    expect((await upstream206()) - before).toBe(0);
  });

  it('lets one of many concurrent cold requests through to casterpak (proxy_cache_lock)', async () => {
    const before = await segmentRequests();
    const responses = await Promise.all(Array.from({ length: 20 }, () => get(`${nginx.url}/i/lock/av.mp4/segment3_0_av.ts`)));
    const bodies = await Promise.all(responses.map(bytesOf));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(bodies.map((b) => b.toString('base64'))).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('x-cache-status') === 'MISS')).toHaveLength(1);
    expect((await segmentRequests()) - before).toBe(1);
  });

  it('keeps masters, playlists and segments for different times', async () => {
    const paths = {
      master: '/i/ttl/av.mp4/master.m3u8',
      index: '/i/ttl/av.mp4/index_0_av.m3u8',
      kfonly: '/i/ttl/av.mp4/kfonly/index_0_av.m3u8',
      segment: '/i/ttl/av.mp4/segment1_0_av.ts',
    };
    for (const pathname of Object.values(paths)) expect((await get(nginx.url + pathname)).status).toBe(200);
    const valid = async (pathname: string) => (await nginx.cacheEntry(pathname))?.validForSeconds ?? NaN;
    // Lifetimes from the configuration: 30 s, 5 min, 5 min, 24 h (give or take the test's own time).
    const [master, index, kfonly, segment] = await Promise.all([paths.master, paths.index, paths.kfonly, paths.segment].map(valid));
    expect(master).toBeGreaterThan(25);
    expect(master).toBeLessThanOrEqual(30);
    expect(index).toBeGreaterThan(290);
    expect(index).toBeLessThanOrEqual(300);
    expect(kfonly).toBeGreaterThan(290);
    expect(segment).toBeGreaterThan(86_390);
    expect(segment).toBeLessThanOrEqual(86_400);
  });

  it('refuses what casterpak refuses, and does not cache errors for long', async () => {
    const missing = await get(`${nginx.url}/i/nothing/here.mp4/index_0_av.m3u8`);
    expect(missing.status).toBe(404);
    expect((await nginx.cacheEntry('/i/nothing/here.mp4/index_0_av.m3u8'))?.validForSeconds).toBeLessThanOrEqual(10);
    expect((await get(`${nginx.url}/etc/passwd`)).status).toBe(404);
    expect((await get(`${nginx.url}/i/..%2f..%2fetc/passwd.mp4/index_0_av.m3u8`)).status).toBeGreaterThanOrEqual(400);
  });

  it('lets hls.js play a rendition through nginx', async () => {
    const browser = await launchChromium(res);
    const { page, problems } = await newPage(browser);
    await page.goto(await startPlayerPage(res));
    const state = await playPast(page, `${nginx.url}/i/player/av.mp4/index_0_av.m3u8`, 5);
    expect(state.fatal, `${state.errors.join(', ')} ${problems.join(', ')}`).toBeNull();
    expect(state.currentTime).toBeGreaterThan(5);
    expect(nginx.accessLog()).toMatch(/"GET \/i\/player\/av\.mp4\/segment2_0_av\.ts HTTP\/1\.1" 200 \d+ cache=MISS/);
  });
});
