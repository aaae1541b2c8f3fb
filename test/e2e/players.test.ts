// Real players against `casterpak serve`: hls.js in the distribution's Chromium plays a
// rendition (and a seek near its end), and hls.js's I-frame player renders key frames from the
// kfonly playlist that casterpak's master advertises.
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPage } from './helpers/browser.js';
import { execa } from 'execa';
import { mkdirSync, readdirSync } from 'node:fs';
import { FFMPEG, makeTestVideo } from './helpers/media.js';
import { playPast, startPlayerPage } from './helpers/player-page.js';
import { resources } from './helpers/resources.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const DURATION = 30;
const res = resources();
let serve: ServeProcess;
let browser: BrowserContext;
let pageUrl: string;
let cacheDir: string;

const FILM_HOURS = 2;

beforeAll(async () => {
  const library = res.dir('library');
  await makeTestVideo(path.join(library, 'shows/long.mp4'), DURATION);
  // A 2-hour film by stream copy of the 30 s video (no encoding): 720 segments of 10 s.
  const loops = (FILM_HOURS * 3600) / DURATION - 1;
  mkdirSync(path.join(library, 'films'), { recursive: true });
  await execa(
    FFMPEG,
    [
      '-v',
      'error',
      '-y',
      '-stream_loop',
      String(loops),
      '-i',
      path.join(library, 'shows/long.mp4'),
      '-c',
      'copy',
      path.join(library, 'films/two-hours.mp4'),
    ],
    { timeout: 120_000 },
  );
  cacheDir = res.dir('cache');
  serve = await startServe(res, { cacheDir, sourceRoot: library });
  browser = await launchChromium(res);
  pageUrl = await startPlayerPage(res);
});
afterAll(() => res.release());

async function openPlayer(): Promise<{ page: Page; problems: string[] }> {
  const opened = await newPage(browser);
  await opened.page.goto(pageUrl);
  return opened;
}

const state = (page: Page) => page.evaluate(() => window.player.state());

// Seeks to `target` and expects the player to play 2 s past it without a fatal error.
async function seekAndPlay(page: Page, target: number, timeoutMs: number): Promise<void> {
  await page.evaluate((time) => window.player.seek(time), target);
  await page.waitForFunction(
    (time) => {
      const s = window.player.state();
      return s.fatal !== null || s.ended || s.currentTime > time + 2;
    },
    target,
    { timeout: timeoutMs },
  );
  const after = await state(page);
  expect(after.fatal, after.errors.join(', ')).toBeNull();
  expect(after.currentTime).toBeGreaterThan(target + 2);
}

describe('hls.js in Chromium plays casterpak renditions', () => {
  it('Chromium decodes H.264 High and AAC-LC through Media Source Extensions', async () => {
    const { page } = await openPlayer();
    // If this fails, the Chromium build lacks proprietary codecs and no player test can pass.
    expect(await page.evaluate(() => window.player.supported())).toBe(true);
    expect(await page.evaluate(() => window.player.canDecode('avc1.64000C,mp4a.40.2'))).toBe(true);
    await page.close();
  });

  it('plays a rendition past 5 s without a fatal error, then plays again after a seek near the end', async () => {
    const { page, problems } = await openPlayer();
    const playing = await playPast(page, `${serve.url}/i/shows/long.mp4/index_0_av.m3u8`, 5);
    expect(playing.fatal, `${playing.errors.join(', ')} ${problems.join(', ')}`).toBeNull();
    expect(playing.currentTime).toBeGreaterThan(5);
    expect(playing.duration).toBeCloseTo(DURATION, 0);

    await seekAndPlay(page, playing.duration - 4, 20_000);
    await page.close();
  });

  it('plays a 2-hour film from a cold cache and seeks near its end, with only the segments it played made', async () => {
    const { page, problems } = await openPlayer();
    const playing = await playPast(page, `${serve.url}/i/films/two-hours.mp4/index_0_av.m3u8`, 5);
    expect(playing.fatal, `${playing.errors.join(', ')} ${problems.join(', ')}`).toBeNull();
    expect(playing.duration).toBeCloseTo(FILM_HOURS * 3600, -1);
    const made = () => readdirSync(path.join(cacheDir, 'films/two-hours.mp4')).filter((n) => n.endsWith('.ts')).length;
    // Playback started from the moov and a few segments made alone, not from a run over the film.
    expect(made()).toBeLessThan(20);
    await seekAndPlay(page, playing.duration - 60, 30_000);
    expect(made()).toBeLessThan(40);
    await page.close();
  });

  it('renders key frames at several positions from the kfonly playlist through the I-frame player', async () => {
    const { page } = await openPlayer();
    await page.evaluate((url) => window.player.play(url), `${serve.url}/i/shows/long.mp4/master.m3u8`);
    await page.waitForFunction(() => window.player.state().iframeVariants > 0 || window.player.state().fatal !== null, null, {
      timeout: 20_000,
    });
    expect((await state(page)).iframeVariants).toBe(1);

    const times = [1, 9.5, 17, 26.5];
    const result = await page.evaluate((t) => window.player.iframes(t), times);
    expect(result.error).toBeUndefined();
    expect(result.errors.filter((e) => e.includes('fatal'))).toEqual([]);
    for (const frame of result.frames) {
      expect(frame.mediaTime, `no frame presented for ${frame.time} s`).not.toBeNull();
      // Key frames are 2 s apart: the one shown is at most 2 s before the requested time.
      expect(frame.mediaTime!).toBeGreaterThan(frame.time - 2.2);
      expect(frame.mediaTime!).toBeLessThan(frame.time + 0.2);
      expect(frame.variance!, `a blank frame at ${frame.time} s`).toBeGreaterThan(100);
    }
    const signatures = new Set(result.frames.map((f) => f.signature!.join(',')));
    expect(signatures.size).toBe(times.length);
    await page.close();
  });
});
