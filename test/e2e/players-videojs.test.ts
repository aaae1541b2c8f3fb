// video.js with its HLS engine VHS (@videojs/http-streaming, bundled in video.js, from
// node_modules) in the distribution's Chromium against `casterpak serve`: a csmil master of two
// renditions plays through Media Source Extensions with audio decoded, seeks near its end, and
// switches rendition when told to (VHS's representations API).
import path from 'node:path';
import { readdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
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
  type TestPlayerState,
} from './helpers/other-players-page.js';
import { resources } from './helpers/resources.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const res = resources();
let serve: ServeProcess;
let browser: BrowserContext;
let pages: string;
let cacheDir: string;

beforeAll(async () => {
  const library = res.dir('library');
  await makeTwoRenditionTitle(library);
  cacheDir = res.dir('cache');
  serve = await startServe(res, { cacheDir, sourceRoot: library });
  browser = await launchChromium(res);
  pages = await startOtherPlayersPage(res);
});
afterAll(() => res.release());

const why = (s: TestPlayerState, problems: string[] = []) => [...s.errors, ...problems].join('; ');

async function open(): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPlayerPage(browser, pages, 'videojs');
  expect(await opened.page.evaluate(() => window.testPlayer.supported())).toBe(true);
  return opened;
}

describe('video.js (VHS) in Chromium plays casterpak output', () => {
  it('plays the csmil master of two renditions with audio decoded, then plays again after a seek near the end', async () => {
    const { page, problems } = await open();
    const playing = await startPlaying(page, `${serve.url}${CSMIL_MASTER}`, 5);
    expect(playing.fatal, why(playing, problems)).toBeNull();
    expect(playing.versions['video.js']).toMatch(/^8\./);
    expect(playing.versions['@videojs/http-streaming']).toMatch(/^3\./);
    expect(playing.currentTime).toBeGreaterThan(5);
    expect(playing.duration).toBeCloseTo(TITLE_SECONDS, 0);
    expect(playing.variants.map((v) => v.height).sort((a, b) => a! - b!)).toEqual([...RENDITION_HEIGHTS]);
    expect(playing.videoDecodedBytes).toBeGreaterThan(0);
    // VHS transmuxed the AAC of the muxed MPEG-TS and Chromium decoded it (muted, still decoded).
    expect(playing.audioDecodedBytes, 'no audio decoded').toBeGreaterThan(0);

    const end = await seekAndPlay(page, playing.duration - 4);
    expect(end.fatal, why(end, problems)).toBeNull();
    expect(end.ended || end.currentTime > playing.duration - 2).toBe(true);
    expect(end.audioDecodedBytes).toBeGreaterThan(playing.audioDecodedBytes);
    await page.close();
  });

  it('switches to the other rendition when told to, and back, with sound throughout', async () => {
    const { page, problems } = await open();
    const playing = await startPlaying(page, `${serve.url}${CSMIL_MASTER}`, 1);
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
    for (const dir of RENDITION_DIRS) {
      expect(readdirSync(path.join(cacheDir, dir)).filter((n) => n.endsWith('.ts')).length, dir).toBeGreaterThan(0);
    }
    await page.close();
  });
});
