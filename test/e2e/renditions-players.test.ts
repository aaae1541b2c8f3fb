// Derived renditions in real players: hls.js, Shaka Player and video.js (VHS) in the
// distribution's Chromium each play a csmil master of a 960x540 source and its 360p and 234p
// renditions (transcoded on demand, segment by segment) from a cold cache, switch rendition
// down and up when told to, seek near the end and decode audio throughout, with no error but
// the recoveries a forced switch explains.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import {
  DERIVED,
  LADDER_HEIGHTS,
  LADDER_MASTER,
  LADDER_SECONDS,
  SOURCE,
  cachedSegments,
  makeLadderSource,
  startLadderServe,
} from './helpers/ladder-source.js';
import {
  forceRendition,
  openPlayerPage,
  seekAndPlay,
  startOtherPlayersPage,
  startPlaying,
  type PlayerName,
} from './helpers/other-players-page.js';
import { why } from './helpers/player-suite.js';
import { resources } from './helpers/resources.js';

const res = resources();
let library: string;
let browser: BrowserContext;
let pages: string;

beforeAll(async () => {
  library = res.dir('library');
  await makeLadderSource(library);
  browser = await launchChromium(res);
  pages = await startOtherPlayersPage(res);
});
afterAll(() => res.release());

// The heights to force, from the one playing first: every one visited, and at least one switch
// down and one up, whichever rendition the player chose to start with.
function switchPlan(first: number): number[] {
  const [low, middle, high] = LADDER_HEIGHTS;
  return [low, high, middle].filter((height, i) => !(i === 0 && height === first));
}

// What a player may report on the way without anything being wrong with the media: hls.js
// flushes its buffer on a forced switch (hls.currentLevel), aborting the load in flight and
// stalling until the new rendition arrives, and on a slow cold start it skips the 80 ms before
// the first picture (the source's two B-frames delay its first presentation time, and a
// derived rendition keeps the source's times) as a hole. Anything else (a parsing, append or
// load error, a console error) is a failure.
const RECOVERED = /^(mediaError\/(bufferSeekOverHole|bufferStalledError|bufferNudgeOnStall)|networkError\/aborted)( http\S+)?$/;

const PLAYERS: Array<[PlayerName, string]> = [
  ['hlsjs', 'hls.js'],
  ['shaka', 'Shaka Player'],
  ['videojs', 'video.js (VHS)'],
];

describe('players in Chromium play derived renditions from a cold cache', () => {
  it.each(PLAYERS)(
    '%s: plays the csmil master of the source and two derived renditions, switches down and up, seeks near the end (%s)',
    async (player) => {
      const started = Date.now();
      // A serve of its own per player: a fresh cache, so every rendition starts cold.
      const serve = await startLadderServe(res, library);
      expect([SOURCE, ...Object.values(DERIVED)].flatMap((r) => cachedSegments(serve.cacheDir, r))).toEqual([]);
      const { page, problems } = await openPlayerPage(browser, pages, player);
      expect(await page.evaluate(() => window.testPlayer.supported())).toBe(true);

      const playing = await startPlaying(page, `${serve.url}${LADDER_MASTER}`, 1);
      expect(playing.fatal, why(playing, problems)).toBeNull();
      expect(playing.duration).toBeCloseTo(LADDER_SECONDS, 0);
      expect(playing.variants.map((v) => v.height).sort((a, b) => a! - b!)).toEqual([...LADDER_HEIGHTS]);
      expect(playing.audioDecodedBytes, 'no audio decoded').toBeGreaterThan(0);

      const first = playing.variants.find((v) => v.active)?.height ?? playing.videoHeight;
      const seen: number[] = [first];
      for (const height of switchPlan(first)) {
        const switched = await forceRendition(page, height);
        expect(switched.selected, `${player} lists no variant of height ${height}`).toBe(true);
        expect(switched.after.fatal, why(switched.after, problems)).toBeNull();
        expect(switched.after.videoHeight).toBe(height);
        // Sound went on through the switch: the muxed AAC of the new rendition reached the decoder.
        expect(switched.after.audioDecodedBytes).toBeGreaterThan(switched.before.audioDecodedBytes);
        seen.push(height);
      }
      expect(
        seen.some((h, i) => i > 0 && h < seen[i - 1]),
        `switches ${seen.join(' → ')}`,
      ).toBe(true);
      expect(
        seen.some((h, i) => i > 0 && h > seen[i - 1]),
        `switches ${seen.join(' → ')}`,
      ).toBe(true);

      const beforeSeek = await page.evaluate(() => window.testPlayer.state());
      const end = await seekAndPlay(page, beforeSeek.duration - 4, 30_000);
      expect(end.fatal, why(end, problems)).toBeNull();
      expect(end.ended || end.currentTime > beforeSeek.duration - 2, `stopped at ${end.currentTime}`).toBe(true);
      expect(end.audioDecodedBytes).toBeGreaterThan(beforeSeek.audioDecodedBytes);

      expect([...end.errors.filter((e) => !RECOVERED.test(e)), ...problems]).toEqual([]);

      // Both derived renditions were transcoded and streamed by casterpak, from the source.
      for (const rendition of Object.values(DERIVED)) {
        expect(cachedSegments(serve.cacheDir, rendition).length, rendition).toBeGreaterThan(0);
        const info = JSON.parse(readFileSync(path.join(serve.cacheDir, rendition, '.rendition.json'), 'utf8')) as {
          derived?: { source?: string };
        };
        expect(info.derived?.source, rendition).toBe(SOURCE);
      }
      await page.close();
      await serve.stop();
      console.log(`${player}: ${Date.now() - started} ms, switches ${seen.join(' → ')}, non-fatal: ${why(end, problems) || 'none'}`);
    },
    90_000,
  );
});
