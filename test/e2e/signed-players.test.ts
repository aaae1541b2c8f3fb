// Signed URLs in a real player: `casterpak serve --require-token`, hls.js in Chromium given one
// signed master URL plays, seeks and renders key frames through the I-frame playlist (every
// URI it follows carries the token casterpak put there); the same master unsigned is refused.
import { createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPage } from './helpers/browser.js';
import { makeTestVideo } from './helpers/media.js';
import { playPast, startPlayerPage } from './helpers/player-page.js';
import { resources } from './helpers/resources.js';
import { startServe, metricSum, type ServeProcess } from './helpers/serve-process.js';

const DURATION = 30;
const secret = randomBytes(32).toString('hex');
const res = resources();
let serve: ServeProcess;
let browser: BrowserContext;
let pageUrl: string;

beforeAll(async () => {
  const library = res.dir('library');
  await makeTestVideo(path.join(library, 'shows/long.mp4'), DURATION);
  process.env.CASTERPAK_TOKEN_SECRET = secret; // the serve child inherits it
  serve = await startServe(res, { cacheDir: res.dir('cache'), sourceRoot: library, args: ['--require-token'] });
  delete process.env.CASTERPAK_TOKEN_SECRET;
  browser = await launchChromium(res);
  pageUrl = await startPlayerPage(res);
});
afterAll(() => res.release());

// The documented token (docs/security.md), computed here with Node's HMAC.
const token = (acl: string) => {
  const fields = `exp=${Math.floor(Date.now() / 1000) + 600}~acl=${acl}`;
  return `${fields}~hmac=${createHmac('sha256', Buffer.from(secret, 'hex')).update(fields).digest('hex')}`;
};

describe('hls.js plays a signed master', () => {
  it('plays, seeks near the end and renders key frames from one signed master URL', async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(pageUrl);
    const master = `${serve.url}/i/shows/long.mp4/master.m3u8?hdnts=${encodeURIComponent(token('/i/shows/long.mp4/*'))}`;
    const playing = await playPast(page, master, 3);
    expect(playing.fatal, `${playing.errors.join(', ')} ${problems.join(', ')}`).toBeNull();
    await page.evaluate((time) => window.player.seek(time), DURATION - 6);
    await page.waitForFunction((t) => window.player.state().fatal !== null || window.player.state().currentTime > t, DURATION - 4, {
      timeout: 20_000,
    });
    expect((await page.evaluate(() => window.player.state())).fatal).toBeNull();
    expect((await page.evaluate(() => window.player.state())).iframeVariants).toBe(1);
    const iframes = await page.evaluate((t) => window.player.iframes(t), [1, 17]);
    expect(iframes.error).toBeUndefined();
    for (const frame of iframes.frames) expect(frame.mediaTime, `no key frame for ${frame.time} s`).not.toBeNull();
    await page.close();
    expect(metricSum(await serve.metrics(), 'casterpak_token_refusals_total')).toBe(0);
  });

  it('refuses the master unsigned or signed for another film (403, counted)', async () => {
    const { page } = await newPage(browser);
    await page.goto(pageUrl);
    const other = `${serve.url}/i/shows/long.mp4/master.m3u8?hdnts=${encodeURIComponent(token('/i/films/*'))}`;
    for (const url of [`${serve.url}/i/shows/long.mp4/master.m3u8`, other]) {
      expect((await fetch(url)).status).toBe(403);
      const state = await playPast(page, url, 1).catch(() => page.evaluate(() => window.player.state()));
      expect(state.fatal).not.toBeNull();
    }
    await page.close();
    expect(metricSum(await serve.metrics(), 'casterpak_token_refusals_total')).toBeGreaterThanOrEqual(4);
  });
});
