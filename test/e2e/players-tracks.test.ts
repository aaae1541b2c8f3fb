// hls.js, Shaka Player and video.js in Chromium with a film of two audio languages and subtitles
// inside (tx3g) and beside (a sidecar .vtt) it (docs/tracks.md): both languages listed (in hls.js
// with the MP4's default selected), a switch loads the other audio rendition's segments and audio
// keeps decoding, both subtitle renditions listed, and a cue shows at its time (activeCues).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPage } from './helpers/browser.js';
import { makeTracksFilm } from './helpers/media.js';
import { HLS_JS, servePageFiles } from './helpers/player-page.js';
import { SHAKA_JS, VIDEOJS_JS } from './helpers/other-players-page.js';
import { resources } from './helpers/resources.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const HELPERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers');
const [HTML, JS] = ['text/html; charset=utf-8', 'text/javascript; charset=utf-8'];
const SECONDS = 20;
const res = resources();
let serve: ServeProcess;
let browser: BrowserContext;
let pageUrl: string;

interface TracksState {
  currentTime: number;
  audioDecodedBytes: number;
  audioTracks: { name: string; lang: string; isDefault: boolean }[];
  audioTrack: number;
  subtitleTracks: { name: string; lang: string }[];
  textTracks: { label: string; language: string; mode: string; cues: Cue[]; active: Cue[] }[];
  loaded: string[];
  errors: string[];
  fatal: string | null;
}
interface Cue {
  start: number;
  end: number;
  text: string;
}
declare global {
  interface Window {
    tracks: {
      play(url: string): void;
      state(): TracksState;
      selectAudio(i: number): void;
      selectSubtitles(i: number): void;
      seek(t: number): void;
    };
  }
}

beforeAll(async () => {
  const library = res.dir('library');
  await makeTracksFilm(library, SECONDS);
  serve = await startServe(res, { cacheDir: res.dir('cache'), sourceRoot: library, segmentDuration: 4 });
  browser = await launchChromium(res);
  pageUrl = await servePageFiles(res, 'tracks page server', {
    '/': [path.join(HELPERS, 'tracks-page.html'), HTML],
    '/shaka.html': [path.join(HELPERS, 'tracks-shaka-page.html'), HTML],
    '/videojs.html': [path.join(HELPERS, 'tracks-videojs-page.html'), HTML],
    '/hls.min.js': [HLS_JS, JS],
    '/shaka-player.compiled.js': [SHAKA_JS, JS],
    '/video.min.js': [VIDEOJS_JS, JS],
    '/tracks-common.js': [path.join(HELPERS, 'tracks-common.js'), JS],
  });
}, 120_000);
afterAll(() => res.release());

const state = (page: Page) => page.evaluate(() => window.tracks.state());
const until = (page: Page, test: string, arg: unknown, timeout = 20_000) =>
  page.waitForFunction(
    new Function('arg', `const s = window.tracks.state(); return s.fatal !== null || (${test});`) as (a: unknown) => boolean,
    arg,
    { timeout },
  );

describe('hls.js plays every track of a film', () => {
  it('lists both languages and both subtitles, switches audio and shows a cue at its time', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(pageUrl);
    await page.evaluate((url) => window.tracks.play(url), `${serve.url}/i/film.mp4/master.m3u8`);
    await until(page, 's.audioTracks.length > 0 && s.currentTime > 1', null);
    let s = await state(page);
    expect(s.fatal, `${s.errors.join(', ')} ${problems.join(', ')}`).toBeNull();
    expect(s.audioTracks.map((t) => [t.name, t.lang, t.isDefault])).toEqual([
      ['English', 'en', false],
      ['French', 'fr', true],
    ]);
    expect(s.audioTrack).toBe(1);
    expect(s.loaded.some((u) => u.endsWith('_0_a3.ts'))).toBe(true);
    expect(s.subtitleTracks.map((t) => [t.name, t.lang])).toEqual([
      ['English', 'en'],
      ['French', 'fr'],
    ]);

    // Switch to English: its segments load, and audio keeps decoding while the picture plays on.
    const before = s.audioDecodedBytes;
    await page.evaluate(() => window.tracks.selectAudio(0));
    await until(page, "s.loaded.some((u) => u.endsWith('_0_a2.ts')) && s.currentTime > arg", s.currentTime + 2, 30_000);
    s = await state(page);
    expect(s.fatal, s.errors.join(', ')).toBeNull();
    expect(s.audioTrack).toBe(0);
    expect(s.audioDecodedBytes).toBeGreaterThan(before);

    // The tx3g cue (12 s to 15 s in the MP4) is active at 13 s.
    await page.evaluate(() => window.tracks.selectSubtitles(0));
    await page.evaluate(() => window.tracks.seek(12.8));
    await until(page, "s.textTracks.some((t) => t.active.some((c) => c.text === 'Inside cue'))", null, 30_000);
    s = await state(page);
    const cue = s.textTracks.flatMap((t) => t.cues).find((c) => c.text === 'Inside cue')!;
    // Where the picture of 12 s is: within two frames (the first picture's presentation offset).
    expect(Math.abs(cue.start - 12)).toBeLessThan(0.1);
    expect(Math.abs(cue.end - 15)).toBeLessThan(0.1);
    expect(s.fatal, s.errors.join(', ')).toBeNull();
    await page.close();
  }, 120_000);
});

// The audio rendition of each language (docs/tracks.md: a<track id>, in the MP4's order).
const RENDITION = { en: '_0_a2.ts', fr: '_0_a3.ts' } as const;
const language = (lang: string) => (lang.startsWith('fr') ? 'fr' : 'en');

describe.each(['shaka', 'videojs'])('%s plays every track of a film', (player) => {
  it('lists both languages and both subtitles, switches audio to the other rendition and shows a cue at its time', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(`${pageUrl}${player}.html`);
    await page.evaluate((url) => window.tracks.play(url), `${serve.url}/i/film.mp4/master.m3u8`);
    await until(page, 's.audioTracks.length > 1 && s.audioTrack >= 0 && s.currentTime > 1', null, 30_000);
    let s = await state(page);
    expect(s.fatal, `${s.errors.join(', ')} ${problems.join(', ')}`).toBeNull();
    expect(s.audioTracks.map((t) => [t.name, language(t.lang)]).sort()).toEqual([
      ['English', 'en'],
      ['French', 'fr'],
    ]);
    expect(s.subtitleTracks.map((t) => t.name).sort()).toEqual(['English', 'French']);
    const playing = language(s.audioTracks[s.audioTrack].lang);
    expect(s.loaded.some((u) => u.endsWith(RENDITION[playing]))).toBe(true);

    // Switch to the other language: the segments asked for since are its rendition's, and audio keeps decoding.
    const other = playing === 'en' ? 'fr' : 'en';
    const [before, requested] = [s.audioDecodedBytes, s.loaded.length];
    await page.evaluate(
      (i) => window.tracks.selectAudio(i),
      s.audioTracks.findIndex((t) => language(t.lang) === other),
    );
    await until(
      page,
      `s.loaded.slice(${requested}).some((u) => u.endsWith('${RENDITION[other]}')) && s.currentTime > arg`,
      s.currentTime + 2,
      30_000,
    );
    s = await state(page);
    expect(s.fatal, s.errors.join(', ')).toBeNull();
    expect(language(s.audioTracks[s.audioTrack].lang)).toBe(other);
    expect(s.audioDecodedBytes).toBeGreaterThan(before);

    // The tx3g cue (12 s to 15 s in the MP4) is active at 13 s.
    await page.evaluate(
      (i) => window.tracks.selectSubtitles(i),
      s.subtitleTracks.findIndex((t) => t.name === 'English'),
    );
    await page.evaluate(() => window.tracks.seek(12.8));
    await until(page, "s.textTracks.some((t) => t.active.some((c) => c.text === 'Inside cue'))", null, 30_000);
    s = await state(page);
    const cue = s.textTracks.flatMap((t) => t.cues).find((c) => c.text === 'Inside cue')!;
    expect(Math.abs(cue.start - 12)).toBeLessThan(0.1);
    expect(Math.abs(cue.end - 15)).toBeLessThan(0.1);
    expect(s.fatal, s.errors.join(', ')).toBeNull();
    await page.close();
  }, 120_000);
});
