// HLS AES-128 in a real player (docs/security.md): `casterpak serve --require-token --encrypt
// aes-128`, hls.js in Chromium given one signed csmil master URL plays both renditions, seeks
// near the end and switches there and back with sound throughout, every segment decrypted with
// the key it fetched through the signed key URI; its I-frame player renders key frames from the
// encrypted I-frame playlist (byte ranges into CBC segments, read from the block before).
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newPage } from './helpers/browser.js';
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
} from './helpers/other-players-page.js';
import { startPlayerPage } from './helpers/player-page.js';
import { why } from './helpers/player-suite.js';
import { resources } from './helpers/resources.js';
import { metricSum, startServe, type ServeProcess } from './helpers/serve-process.js';

const [tokenSecret, keySecret] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
const res = resources();
let serve: ServeProcess;
let browser: BrowserContext;
let pages: string;
let iframePage: string;
let cacheDir: string;

beforeAll(async () => {
  const library = res.dir('library');
  await makeTwoRenditionTitle(library);
  cacheDir = res.dir('cache');
  Object.assign(process.env, { CASTERPAK_TOKEN_SECRET: tokenSecret, CASTERPAK_KEY_SECRET: keySecret }); // the serve child inherits them
  serve = await startServe(res, { cacheDir, sourceRoot: library, args: ['--require-token', '--encrypt', 'aes-128'] });
  delete process.env.CASTERPAK_TOKEN_SECRET;
  delete process.env.CASTERPAK_KEY_SECRET;
  browser = await launchChromium(res);
  pages = await startOtherPlayersPage(res);
  iframePage = await startPlayerPage(res);
});
afterAll(() => res.release());

// The documented token (docs/security.md), computed here with Node's HMAC.
const signed = (url: string) => {
  const fields = `exp=${Math.floor(Date.now() / 1000) + 600}~acl=/i/shows/*`;
  const token = `${fields}~hmac=${createHmac('sha256', Buffer.from(tokenSecret, 'hex')).update(fields).digest('hex')}`;
  return `${url}?hdnts=${encodeURIComponent(token)}`;
};

describe('hls.js plays a signed, encrypted master', () => {
  it('plays, seeks near the end and switches renditions and back, with sound throughout', async () => {
    const { page, problems } = await openPlayerPage(browser, pages, 'hlsjs');
    const master = signed(`${serve.url}${CSMIL_MASTER}`);
    const playing = await startPlaying(page, master, 3);
    expect(playing.fatal, why(playing, problems)).toBeNull();
    expect(playing.audioDecodedBytes, 'no audio decoded').toBeGreaterThan(0);
    const first = playing.variants.find((v) => v.active)!.height!;
    const other = first === RENDITION_HEIGHTS[0] ? RENDITION_HEIGHTS[1] : RENDITION_HEIGHTS[0];
    for (const height of [other, first]) {
      const switched = await forceRendition(page, height);
      expect(switched.selected).toBe(true);
      expect(switched.after.fatal, why(switched.after, problems)).toBeNull();
      expect(switched.after.videoHeight).toBe(height);
      expect(switched.after.audioDecodedBytes).toBeGreaterThan(switched.before.audioDecodedBytes);
    }
    const end = await seekAndPlay(page, TITLE_SECONDS - 5);
    expect(end.fatal, why(end, problems)).toBeNull();
    expect(end.ended || end.currentTime > TITLE_SECONDS - 3).toBe(true);
    await page.close();
    // What was played was encrypted: a segment as sent is not the cached clear one.
    const playlist = await (await fetch(signed(`${serve.url}/i/${RENDITION_DIRS[0]}/index_0_av.m3u8`))).text();
    expect(playlist).toMatch(/^#EXT-X-KEY:METHOD=AES-128,URI="key_0_av\.key\?k=[0-9a-f]{8}&hdnts=/m);
    const sent = Buffer.from(await (await fetch(signed(`${serve.url}/i/${RENDITION_DIRS[0]}/segment1_0_av.ts`))).arrayBuffer());
    const clear = readFileSync(path.join(cacheDir, RENDITION_DIRS[0], 'segment1_0_av.ts'));
    expect(sent.length).toBe((Math.floor(clear.length / 16) + 1) * 16);
    expect(sent.subarray(0, clear.length).equals(clear)).toBe(false);
    expect(metricSum(await serve.metrics(), 'casterpak_token_refusals_total')).toBe(0);
  });

  it("renders key frames through hls.js's I-frame player from the encrypted I-frame playlist", async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(iframePage);
    await page.evaluate((url) => window.player.play(url), signed(`${serve.url}/i/${RENDITION_DIRS[1]}/master.m3u8`));
    await page.waitForFunction(() => window.player.state().iframeVariants > 0 || window.player.state().fatal !== null, null, {
      timeout: 30_000,
    });
    const state = await page.evaluate(() => window.player.state());
    expect(state.fatal, `${state.errors.join(', ')} ${problems.join(', ')}`).toBeNull();
    const iframes = await page.evaluate((t) => window.player.iframes(t), [1, 13, 25]);
    expect(iframes.error).toBeUndefined();
    expect(iframes.errors).toEqual([]);
    for (const frame of iframes.frames) {
      expect(frame.mediaTime, `no key frame for ${frame.time} s`).not.toBeNull();
      expect(frame.variance, `a flat picture at ${frame.time} s: not decoded`).toBeGreaterThan(10);
    }
    await page.close();
  });
});
