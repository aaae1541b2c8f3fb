// The fMP4 form and DASH (docs/formats.md) in real players, in the distribution's Chromium against
// `casterpak serve` from a cold cache: hls.js and Shaka Player play a rendition's fMP4 master
// (video and audio as separate renditions) with audio decoded and seek near its end; Shaka plays
// the DASH manifest of a .csmil of two renditions and switches between them with sound throughout.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RENDITION_DIRS,
  RENDITION_HEIGHTS,
  TITLE_SECONDS,
  forceRendition,
  startPlaying,
  type PlayerName,
} from './helpers/other-players-page.js';
import { playerSuite, playsAndSeeksNearEnd, why } from './helpers/player-suite.js';

// serve over the two-rendition title, Chromium and the player pages; hls.js by default.
const suite = playerSuite('hlsjs');
const fmp4Files = (dir: string) => readdirSync(path.join(suite.cacheDir(), dir, 'fmp4')).filter((n) => n.endsWith('.m4s'));

describe('players in Chromium play the fMP4 form and DASH', () => {
  it.each<[PlayerName]>([['hlsjs'], ['shaka']])(
    '%s: plays the fMP4 master with audio decoded, then again after a seek near the end',
    async (player) => {
      const { page, problems } = await suite.open(player);
      await playsAndSeeksNearEnd(page, `${suite.serve().url}/i/${RENDITION_DIRS[1]}/fmp4/master.m3u8`, problems);
      expect(problems).toEqual([]);
      expect(fmp4Files(RENDITION_DIRS[1]).length).toBeGreaterThan(0);
      await page.close();
    },
  );

  it('shaka: plays the DASH manifest of a .csmil, switches to the other Representation and back, with sound throughout', async () => {
    const { page, problems } = await suite.open('shaka');
    const playing = await startPlaying(page, `${suite.serve().url}/i/shows/film_,a,b,.mp4.csmil/manifest.mpd`, 1);
    expect(playing.fatal, why(playing, problems)).toBeNull();
    expect(playing.duration).toBeCloseTo(TITLE_SECONDS, 0);
    expect(playing.variants.map((v) => v.height).sort((a, b) => a! - b!)).toEqual([...RENDITION_HEIGHTS]);
    const first = playing.variants.find((v) => v.active)!.height!;
    for (const height of [first === RENDITION_HEIGHTS[0] ? RENDITION_HEIGHTS[1] : RENDITION_HEIGHTS[0], first]) {
      const switched = await forceRendition(page, height);
      expect(switched.selected).toBe(true);
      expect(switched.after.fatal, why(switched.after, problems)).toBeNull();
      expect(switched.after.videoHeight).toBe(height);
      expect(switched.after.audioDecodedBytes).toBeGreaterThan(switched.before.audioDecodedBytes);
    }
    for (const dir of RENDITION_DIRS) expect(fmp4Files(dir).length, dir).toBeGreaterThan(0);
    await page.close();
  });
});
