// What every player besides hls.js is asked to do with casterpak output, in one place: a csmil
// master of two renditions plays with audio decoded and seeks near its end, and a forced
// rendition switch goes there and back with sound throughout. `playerSuite` starts serve, the
// browser and the player pages for one test file; `commonPlayerTests` adds the two tests.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import {
  CSMIL_MASTER,
  RENDITION_DIRS,
  RENDITION_HEIGHTS,
  TITLE_SECONDS,
  forceRendition,
  makeTwoRenditionTitle,
  openPlayerPage,
  seekAndPlay,
  startOtherPlayersPage,
  startPlaying,
  type PlayerName,
  type TestPlayerState,
} from './other-players-page.js';
import { resources } from './resources.js';
import { startServe, type ServeProcess } from './serve-process.js';

export interface PlayerSuite {
  readonly serve: () => ServeProcess;
  /** A page of the suite's player, or of `as`. */
  readonly open: (as?: PlayerName) => Promise<{ page: Page; problems: string[] }>;
}

export const why = (s: TestPlayerState, problems: string[] = []) => [...s.errors, ...problems].join('; ');

// `prepare` adds media to the library before serve starts.
export function playerSuite(
  player: PlayerName,
  prepare: (library: string) => Promise<void> = async () => {},
): PlayerSuite & { readonly cacheDir: () => string } {
  const res = resources();
  let serve: ServeProcess;
  let browser: BrowserContext;
  let pages: string;
  let cacheDir: string;
  beforeAll(async () => {
    const library = res.dir('library');
    await makeTwoRenditionTitle(library);
    await prepare(library);
    cacheDir = res.dir('cache');
    serve = await startServe(res, { cacheDir, sourceRoot: library });
    browser = await launchChromium(res);
    pages = await startOtherPlayersPage(res);
  });
  afterAll(() => res.release());
  return {
    serve: () => serve,
    cacheDir: () => cacheDir,
    open: async (as = player) => {
      const opened = await openPlayerPage(browser, pages, as);
      expect(await opened.page.evaluate(() => window.testPlayer.supported())).toBe(true);
      return opened;
    },
  };
}

// Plays `url` past 5 s with video and audio decoded, then again after a seek near its end; the
// state it reached before the seek.
export async function playsAndSeeksNearEnd(page: Page, url: string, problems: string[]): Promise<TestPlayerState> {
  const playing = await startPlaying(page, url, 5);
  expect(playing.fatal, why(playing, problems)).toBeNull();
  expect(playing.currentTime).toBeGreaterThan(5);
  expect(playing.duration).toBeCloseTo(TITLE_SECONDS, 0);
  expect(playing.videoDecodedBytes).toBeGreaterThan(0);
  // The AAC reached Chromium's audio decoder (muted, still decoded).
  expect(playing.audioDecodedBytes, 'no audio decoded').toBeGreaterThan(0);
  const end = await seekAndPlay(page, playing.duration - 4);
  expect(end.fatal, why(end, problems)).toBeNull();
  expect(end.ended || end.currentTime > playing.duration - 2).toBe(true);
  expect(end.audioDecodedBytes).toBeGreaterThan(playing.audioDecodedBytes);
  return playing;
}

export function commonPlayerTests(suite: ReturnType<typeof playerSuite>, checkVersions: (versions: Record<string, string>) => void): void {
  it('plays the csmil master of two renditions with audio decoded, then plays again after a seek near the end', async () => {
    const { page, problems } = await suite.open();
    const playing = await playsAndSeeksNearEnd(page, `${suite.serve().url}${CSMIL_MASTER}`, problems);
    checkVersions(playing.versions);
    expect(playing.variants.map((v) => v.height).sort((a, b) => a! - b!)).toEqual([...RENDITION_HEIGHTS]);
    await page.close();
  });

  it('switches to the other rendition when told to, and back, with sound throughout', async () => {
    const { page, problems } = await suite.open();
    const playing = await startPlaying(page, `${suite.serve().url}${CSMIL_MASTER}`, 1);
    expect(playing.fatal, why(playing, problems)).toBeNull();
    const first = playing.variants.find((v) => v.active)!.height!;
    const other = first === RENDITION_HEIGHTS[0] ? RENDITION_HEIGHTS[1] : RENDITION_HEIGHTS[0];
    const there = await forceRendition(page, other);
    expect(there.selected).toBe(true);
    expect(there.after.fatal, why(there.after, problems)).toBeNull();
    expect(there.after.videoHeight).toBe(other);
    expect(there.after.audioDecodedBytes).toBeGreaterThan(there.before.audioDecodedBytes);
    const back = await forceRendition(page, first);
    expect(back.after.fatal, why(back.after, problems)).toBeNull();
    expect(back.after.videoHeight).toBe(first);
    expect(back.after.audioDecodedBytes).toBeGreaterThan(back.before.audioDecodedBytes);
    // Both renditions were streamed from casterpak: each has segments in the cache.
    for (const dir of RENDITION_DIRS) {
      expect(readdirSync(path.join(suite.cacheDir(), dir)).filter((n) => n.endsWith('.ts')).length, dir).toBeGreaterThan(0);
    }
    await page.close();
  });
}
