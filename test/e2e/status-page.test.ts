// The status page (GET /) in Chromium: it loads, lists the renditions in the cache once one
// was requested, plays one with hls.js and fills the trick-play strip with key frames from
// its kfonly playlist. `CASTERPAK_UPDATE_SCREENSHOT=1 npm run test:e2e` refreshes
// docs/status-page.png; otherwise the screenshot goes to a temp directory.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPage } from './helpers/browser.js';
import { makeTestVideo, makeTracksFilm } from './helpers/media.js';
import { REPO_DIR, resources } from './helpers/resources.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';
import { settled } from '../helpers/settled.js';

const res = resources();
let serve: ServeProcess;
let browser: BrowserContext;
let shots: string;

beforeAll(async () => {
  const library = res.dir('library');
  await makeTestVideo(path.join(library, 'shows/2026/demo.mp4'), 30);
  mkdirSync(path.join(library, 'clips'));
  copyFileSync(path.join(REPO_DIR, 'test/fixtures/media/av.mp4'), path.join(library, 'clips/av.mp4'));
  copyFileSync(path.join(REPO_DIR, 'test/fixtures/media/not-an-mp4.mp4'), path.join(library, 'clips/broken.mp4'));
  mkdirSync(path.join(library, 'tracks'));
  await makeTracksFilm(path.join(library, 'tracks'), 20);
  // No read-ahead: the counts below are then exactly what the requests made.
  serve = await startServe(res, { cacheDir: res.dir('cache'), sourceRoot: library, args: ['--read-ahead', '0'] });
  browser = await launchChromium(res);
  shots = process.env.CASTERPAK_UPDATE_SCREENSHOT ? path.join(REPO_DIR, 'docs') : res.dir('screenshots');
});
afterAll(() => res.release());

const fetchOk = async (pathname: string) => {
  const response = await fetch(serve.url + pathname, { signal: AbortSignal.timeout(30_000) });
  expect(response.status, pathname).toBe(200);
  await response.arrayBuffer();
};

describe('the status page', () => {
  it('loads, with an empty cache, and serves its player script', async () => {
    const { page, problems } = await newPage(browser);
    const response = await page.goto(`${serve.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    await expect(page.locator('#empty').count()).resolves.toBe(1);
    expect(await page.locator('#hit-ratio').textContent()).toBe('n/a');
    expect(await page.evaluate(() => typeof (window as unknown as { Hls?: unknown }).Hls)).toBe('function');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists the renditions requested since, most recently used first, with size, segments and last access', async () => {
    await fetchOk('/i/clips/av.mp4/index_0_av.m3u8');
    await settled(serve.url); // answered before its rendition was committed: the next request is then a HIT
    await fetchOk('/i/clips/av.mp4/index_0_av.m3u8');
    await new Promise((resolve) => setTimeout(resolve, 20)); // distinct last-access times
    await fetchOk('/i/shows/2026/demo.mp4/index_0_av.m3u8');
    await fetchOk('/i/shows/2026/demo.mp4/segment1_0_av.ts');
    await settled(serve.url); // answered while it was committed: the page lists what is cached
    const { page } = await newPage(browser);
    await page.goto(`${serve.url}/`);
    const rows = await page.locator('#renditions tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        path: (tr as HTMLElement).dataset.path,
        cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? ''),
      })),
    );
    expect(rows.map((r) => r.path)).toEqual(['shows/2026/demo.mp4', 'clips/av.mp4']);
    const [demo, clip] = rows;
    expect(demo.cells[1]).toMatch(/^\d+(\.\d)? (KiB|MiB)$/);
    expect(demo.cells[2]).toBe('1 / 8'); // segment 1, made alone
    expect(demo.cells[3]).toBe('0:30');
    expect(demo.cells[4]).toMatch(/^\d+ s ago$/);
    expect(clip.cells[2]).toBe('0 / 3'); // playlists come from the moov: no segment made
    expect(await page.locator('#rendition-count').textContent()).toBe('2');
    // Two playlists from the moov, and each segment made alone.
    expect(await page.locator('#packaging-runs').textContent()).toBe('3');
    // Lookups so far: MISS (clip), HIT (clip again), MISS (demo), MISS (demo segment 1, made alone).
    expect(await page.locator('#hit-ratio').textContent()).toBe('25.0 %');
    await page.close();
  });

  it('plays a listed rendition and fills the trick-play strip with its key frames; a key frame seeks the player; the address replays it', async () => {
    const { page, problems } = await newPage(browser);
    await page.setViewportSize({ width: 1280, height: 960 });
    await page.goto(`${serve.url}/`);
    await page.locator('button[data-play="shows/2026/demo.mp4"]').click();
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 2, null, { timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById('trick')!.dataset.ready === 'true', null, { timeout: 30_000 });
    expect(new URL(page.url()).searchParams.get('play')).toBe('shows/2026/demo.mp4');

    const kfonly = await (await fetch(`${serve.url}/i/shows/2026/demo.mp4/kfonly/index_0_av.m3u8`)).text();
    const keyFrames = kfonly.match(/^#EXTINF:/gm)!.length;
    const thumbs = await page.locator('#trick canvas').evaluateAll((canvases) =>
      canvases.map((element) => {
        const canvas = element as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        let squares = 0;
        for (let i = 0; i < data.length; i += 4) {
          sum += data[i + 1];
          squares += data[i + 1] ** 2;
        }
        const n = data.length / 4;
        return { ready: canvas.classList.contains('ready'), time: Number(canvas.dataset.time), variance: squares / n - (sum / n) ** 2 };
      }),
    );
    expect(thumbs).toHaveLength(keyFrames);
    for (const thumb of thumbs) {
      expect(thumb.ready).toBe(true);
      expect(thumb.variance).toBeGreaterThan(100);
    }
    // Key frames every 2 s, in order.
    thumbs.slice(1).forEach((thumb, i) => expect(thumb.time - thumbs[i].time).toBeCloseTo(2, 1));

    await page.locator('#trick canvas').nth(10).click();
    await page.waitForFunction(
      (t) => Math.abs((document.getElementById('video') as HTMLVideoElement).currentTime - t) < 1.5,
      thumbs[10].time,
      { timeout: 10_000 },
    );
    await page.waitForFunction(() => document.querySelector('#trick canvas.current') !== null);
    expect(await page.locator('#player-note').textContent()).toBe('Playing shows/2026/demo.mp4');
    expect(await page.locator('#player-level').textContent()).toMatch(/^Variant 1 of 1: \d+x\d+, \d+\.\d\d Mbit\/s$/);
    expect(problems).toEqual([]);

    // The address (?play=…) opens the page with that rendition playing; the table now shows
    // the kfonly playlist the strip used.
    await page.goto(page.url());
    await page.waitForFunction(() => document.getElementById('trick')!.dataset.ready === 'true', null, { timeout: 30_000 });
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 1, null, { timeout: 30_000 });
    expect(await page.locator('tr[data-path="shows/2026/demo.mp4"] td').nth(5).textContent()).toBe('yes');
    const file = path.join(shots, 'status-page.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  });

  it("a file that cannot play shows the server's one-line reason, not a spinner", async () => {
    const { page } = await newPage(browser);
    await page.goto(`${serve.url}/?play=clips/broken.mp4`);
    await page.waitForFunction(() => document.getElementById('player-note')!.textContent!.startsWith('Cannot play'), null, {
      timeout: 30_000,
    });
    const reason = await (await fetch(`${serve.url}/i/clips/broken.mp4/master.m3u8`)).text();
    expect(reason.trim()).toMatch(/not an MP4/);
    expect(await page.locator('#player-note').textContent()).toBe(`Cannot play clips/broken.mp4: ${reason.trim()}`);
    expect(await page.evaluate(() => (document.getElementById('video') as HTMLVideoElement).getAttribute('src'))).toBeNull();
    await page.close();
  });

  it('offers a language menu and a subtitle menu for a film with both, and switching them plays on', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(`${serve.url}/`);
    // A film with one audio track and no subtitles offers no menu.
    await page.goto(`${serve.url}/?play=clips/av.mp4`);
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 0.5, null, { timeout: 30_000 });
    expect(await page.locator('#player-tracks label:visible').count()).toBe(0);
    await page.goto(`${serve.url}/?play=tracks/film.mp4`);
    await page.waitForFunction(() => !document.getElementById('audio-menu')!.parentElement!.hidden, null, { timeout: 30_000 });
    const options = (id: string) => page.locator(`#${id} option`).allTextContents();
    expect(await options('audio-menu')).toEqual(['English (en)', 'French (fr)']);
    // The MP4's default, once hls.js has chosen it.
    await page.waitForFunction(() => (document.getElementById('audio-menu') as HTMLSelectElement).value === '1', null, { timeout: 10_000 });
    expect(await options('subtitle-menu')).toEqual(['Off', 'English (en)', 'French (fr)']);
    // English: its audio rendition's segments are fetched from then on.
    const english = page.waitForRequest((r) => /segment\d+_0_a2\.ts$/.test(r.url()), { timeout: 30_000 });
    await page.locator('#audio-menu').selectOption('0');
    await english;
    // French subtitles: the sidecar's cue (2 s to 4 s) shows at 2.5 s.
    await page.locator('#subtitle-menu').selectOption({ label: 'French (fr)' });
    await page.evaluate(() => {
      const video = document.getElementById('video') as HTMLVideoElement;
      video.currentTime = 2.5;
      void video.play();
    });
    const shown = () =>
      Array.from((document.getElementById('video') as HTMLVideoElement).textTracks).some((t) =>
        Array.from(t.activeCues ?? []).some((c) => (c as VTTCue).text === 'Cue beside'),
      );
    await page.waitForFunction(shown, null, { timeout: 30_000 });
    expect(await page.locator('#subtitle-menu').inputValue()).toBe('1');
    expect(problems).toEqual([]);
    await page.close();
  });
});
