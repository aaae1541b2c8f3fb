// Test pages for Shaka Player, video.js (VHS) and hls.js (beside player-page.ts, which keeps
// hls.js's I-frame player): a tiny node:http server on its own port (every request to casterpak
// is cross-origin) serving shaka-page.html, videojs-page.html, hlsjs-page.html and the players'
// builds from node_modules, nothing fetched at test time. The pages expose the same
// `window.testPlayer` API to page.evaluate.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import { newPage } from './browser.js';
import { HLS_JS, servePageFiles } from './player-page.js';
import { makeTestRendition } from './media.js';
import type { Resources } from './resources.js';

export type PlayerName = 'shaka' | 'videojs' | 'hlsjs';

export interface VariantState {
  height: number | null;
  bandwidth: number;
  active: boolean;
}

export interface TestPlayerState {
  player: string;
  versions: Record<string, string>;
  currentTime: number;
  duration: number;
  paused: boolean;
  ended: boolean;
  // The first error the player calls fatal (Shaka: severity CRITICAL; video.js: player.error()).
  fatal: string | null;
  errors: string[];
  // Chromium's decoded byte counters on the video element.
  audioDecodedBytes: number;
  videoDecodedBytes: number;
  // The picture size the element presents now.
  videoWidth: number;
  videoHeight: number;
  // The variants (renditions) the player offers, and which one it streams.
  variants: VariantState[];
  playbackRate: number;
}

declare global {
  interface Window {
    testPlayer: {
      supported(): boolean;
      play(url: string): void;
      state(): TestPlayerState;
      seek(time: number): void;
      // Turns adaptation off and streams the variant of that height only, dropping what is
      // buffered; false when the player lists no such variant.
      selectHeight(height: number): boolean;
      // Shaka only: player.trickPlay(rate).
      trickPlay(rate: number): void;
    };
  }
}

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SHAKA_JS = require.resolve('shaka-player/dist/shaka-player.compiled.js');
export const VIDEOJS_JS = require.resolve('video.js/dist/video.min.js');

const FILES: Record<string, [string, string]> = {
  '/shaka.html': [path.join(HERE, 'shaka-page.html'), 'text/html; charset=utf-8'],
  '/videojs.html': [path.join(HERE, 'videojs-page.html'), 'text/html; charset=utf-8'],
  '/hlsjs.html': [path.join(HERE, 'hlsjs-page.html'), 'text/html; charset=utf-8'],
  '/shaka-player.compiled.js': [SHAKA_JS, 'text/javascript; charset=utf-8'],
  '/video.min.js': [VIDEOJS_JS, 'text/javascript; charset=utf-8'],
  '/hls.min.js': [HLS_JS, 'text/javascript; charset=utf-8'],
  '/page-state.js': [path.join(HERE, 'page-state.js'), 'text/javascript; charset=utf-8'],
};

// Starts the page server; returns its base URL (`<base>shaka.html`, `<base>videojs.html`, `<base>hlsjs.html`).
export function startOtherPlayersPage(res: Resources): Promise<string> {
  return servePageFiles(res, 'other players page server', FILES);
}

export const testPlayerState = (page: Page): Promise<TestPlayerState> => page.evaluate(() => window.testPlayer.state());

// Waits (bounded) until `predicate` holds for the page's player state, or the player reports a
// fatal error; returns the state then. `predicate` runs in the page (its source is sent), so it
// must use nothing but its arguments.
export async function waitForPlayer<A>(
  page: Page,
  predicate: (s: TestPlayerState, arg: A) => boolean,
  arg: A,
  timeoutMs: number,
): Promise<TestPlayerState> {
  await page.waitForFunction(
    ({ source, value }) => {
      const s = window.testPlayer.state();
      const check = new Function(`return (${source});`)() as (s: TestPlayerState, arg: unknown) => boolean;
      return s.fatal !== null || check(s, value);
    },
    { source: predicate.toString(), value: arg },
    { timeout: timeoutMs, polling: 100 },
  );
  return testPlayerState(page);
}

// A title in two renditions of the same picture and GOP (320x180 and 640x360, different bit
// rates), named so that the Akamai MSOD master `/i/shows/film_,a,b,.mp4.csmil/master.m3u8`
// lists both.
export const TITLE_SECONDS = 30;
export const RENDITION_HEIGHTS = [180, 360] as const;
export const CSMIL_MASTER = '/i/shows/film_,a,b,.mp4.csmil/master.m3u8';
export const RENDITION_DIRS = ['shows/film_a.mp4', 'shows/film_b.mp4'] as const;

export async function makeTwoRenditionTitle(library: string): Promise<void> {
  await Promise.all([
    makeTestRendition(path.join(library, RENDITION_DIRS[0]), TITLE_SECONDS, { size: '320x180', videoBitrate: '300k' }),
    makeTestRendition(path.join(library, RENDITION_DIRS[1]), TITLE_SECONDS, { size: '640x360', videoBitrate: '900k' }),
  ]);
}

// Opens `<base><player>.html` in a new page; `problems` collects page errors and console errors.
export async function openPlayerPage(
  browser: BrowserContext,
  base: string,
  player: PlayerName,
): Promise<{ page: Page; problems: string[] }> {
  const opened = await newPage(browser);
  await opened.page.goto(`${base}${player}.html`);
  return opened;
}

// Starts `url` and waits (bounded) until it has played past `seconds`, or a fatal error.
export async function startPlaying(page: Page, url: string, seconds: number, timeoutMs = 30_000): Promise<TestPlayerState> {
  await page.evaluate((u) => window.testPlayer.play(u), url);
  return waitForPlayer(page, (s, past) => s.currentTime > past, seconds, timeoutMs);
}

// Seeks to `target` and waits (bounded) until playback is 2 s past it (or ended, or fatal).
export async function seekAndPlay(page: Page, target: number, timeoutMs = 20_000): Promise<TestPlayerState> {
  await page.evaluate((time) => window.testPlayer.seek(time), target);
  return waitForPlayer(page, (s, time) => s.ended || s.currentTime > time + 2, target, timeoutMs);
}

// Forces the rendition of `height` (adaptation off) and waits (bounded) until the element
// presents pictures of that height, the player reports that variant active, and playback has
// gone on for 1 s since.
export async function forceRendition(
  page: Page,
  height: number,
  timeoutMs = 20_000,
): Promise<{ selected: boolean; before: TestPlayerState; after: TestPlayerState }> {
  const before = await testPlayerState(page);
  const selected = await page.evaluate((h) => window.testPlayer.selectHeight(h), height);
  if (!selected) return { selected, before, after: before };
  const switched = await waitForPlayer(
    page,
    (s, h) => s.videoHeight === h && s.variants.some((v) => v.active && v.height === h),
    height,
    timeoutMs,
  );
  const after = await waitForPlayer(page, (s, t) => s.currentTime > t + 1, switched.currentTime, timeoutMs);
  return { selected, before, after };
}
