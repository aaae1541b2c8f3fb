// A phone video's fMP4 form in Chromium (docs/formats.md, "Rotation"): the init segment keeps the
// source's display matrix (tkhd, ISO/IEC 14496-12 §8.3.2), and the MPEG-TS form is not involved
// (`renditions.upright` only changes that one). test/fixtures/media/phone-rotated.mp4 is coded
// 320x180 with the matrix of a phone held upright (shown turned 90° clockwise). hls.js and Shaka
// play `fmp4/master.m3u8`; the test reads the element's videoWidth/videoHeight and draws the frame
// at a known time onto a canvas, then says which of ffmpeg's pictures of that frame it matches:
// upright (the matrix applied), as stored (the matrix ignored) or turned the wrong way. It
// asserts what Chromium does now, so it fails when that changes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { openPlayerPage, startOtherPlayersPage, startPlaying, type PlayerName } from './helpers/other-players-page.js';
import { why } from './helpers/player-suite.js';
import { REPO_DIR, resources } from './helpers/resources.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';

const SOURCE = path.join(REPO_DIR, 'test/fixtures/media/phone-rotated.mp4');
const STORED = { width: 320, height: 180 };
// The frame compared: a key frame (every 2 s), so the seek lands on it exactly in both decoders.
const FRAME_TIME = 4;
// Pictures are compared as the mean colour of each cell of a 16×9 grid (9×16 upright).
const CELLS = [16, 9] as const;

type Orientation = 'upright' | 'as stored' | 'wrong way';
interface Drawn {
  width: number;
  height: number;
  cells: number[];
}

const res = resources();
let serve: ServeProcess;
let browser: BrowserContext;
let pages: string;

beforeAll(async () => {
  const library = res.dir('library');
  mkdirSync(path.join(library, 'phone'));
  copyFileSync(SOURCE, path.join(library, 'phone', 'p.mp4'));
  serve = await startServe(res, { cacheDir: res.dir('cache'), sourceRoot: library });
  browser = await launchChromium(res);
  pages = await startOtherPlayersPage(res);
});
afterAll(() => res.release());

// ffmpeg's picture of FRAME_TIME, cell means in RGB (area scaling averages each cell).
function ffmpegCells(orientation: Orientation): number[] {
  const portrait = orientation !== 'as stored';
  const [w, h] = portrait ? [CELLS[1], CELLS[0]] : CELLS;
  const turn = orientation === 'wrong way' ? 'transpose=cclock,' : '';
  const noAutorotate = orientation === 'upright' ? [] : ['-noautorotate'];
  const args = ['-v', 'error', ...noAutorotate, '-ss', String(FRAME_TIME), '-i', SOURCE, '-frames:v', '1'];
  args.push('-vf', `${turn}scale=${w}:${h}:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  const result = spawnSync('ffmpeg', args, { maxBuffer: 1 << 20, timeout: 30_000 });
  if (result.status !== 0) throw new Error(`ffmpeg: ${result.stderr.toString()}`);
  return [...result.stdout];
}

// Pauses on FRAME_TIME and draws the element's picture at its presented size; the cell means.
async function drawFrame(page: Page): Promise<Drawn> {
  return page.evaluate(
    async ([time, long, short]) => {
      const video = document.querySelector('video')!;
      const within = (what: string, promise: Promise<unknown>) =>
        Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} in 10 s`)), 10_000))]);
      video.pause();
      const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
      video.currentTime = time;
      await within('seeked event', seeked);
      // The picture of the new position, once the element has one (requestVideoFrameCallback
      // does not fire for a paused element in headless Chromium).
      const ready = (resolve: (v: unknown) => void) => (video.readyState >= 2 ? resolve(null) : setTimeout(() => ready(resolve), 50));
      await within('frame', new Promise(ready));
      const { videoWidth: width, videoHeight: height } = video;
      const canvas = document.createElement('canvas');
      Object.assign(canvas, { width, height });
      const context = canvas.getContext('2d', { willReadFrequently: true })!;
      context.drawImage(video, 0, 0, width, height);
      const { data } = context.getImageData(0, 0, width, height);
      const [cols, rows] = width >= height ? [long, short] : [short, long];
      const cells: number[] = [];
      for (let row = 0; row < rows; row++) {
        for (let col = 0; col < cols; col++) {
          const sum = [0, 0, 0];
          const [x0, x1] = [Math.floor((col * width) / cols), Math.floor(((col + 1) * width) / cols)];
          const [y0, y1] = [Math.floor((row * height) / rows), Math.floor(((row + 1) * height) / rows)];
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum[c] += data[(y * width + x) * 4 + c];
          cells.push(...sum.map((s) => s / ((x1 - x0) * (y1 - y0))));
        }
      }
      return { width, height, cells };
    },
    [FRAME_TIME, CELLS[0], CELLS[1]] as const,
  );
}

// Mean absolute difference per colour value, against each of ffmpeg's pictures of that shape.
function distances(drawn: Drawn): Partial<Record<Orientation, number>> {
  const portrait = drawn.height > drawn.width;
  const candidates: Orientation[] = portrait ? ['upright', 'wrong way'] : ['as stored'];
  const out: Partial<Record<Orientation, number>> = {};
  for (const orientation of candidates) {
    const expected = ffmpegCells(orientation);
    out[orientation] = expected.reduce((sum, v, i) => sum + Math.abs(v - drawn.cells[i]), 0) / expected.length;
  }
  return out;
}

describe('a phone video (display matrix in tkhd) in the fMP4 form, in Chromium', () => {
  it.each<[PlayerName]>([['hlsjs'], ['shaka']])('%s: shows it upright', async (player) => {
    const { page, problems } = await openPlayerPage(browser, pages, player);
    const playing = await startPlaying(page, `${serve.url}/i/phone/p.mp4/fmp4/master.m3u8`, 1);
    expect(playing.fatal, why(playing, problems)).toBeNull();
    const drawn = await drawFrame(page);
    const found = distances(drawn);
    // Measured: 180x320, 15 from the upright picture (colour conversion and scaling differ from
    // ffmpeg's), 193 from the one turned the wrong way.
    const seen = `${drawn.width}x${drawn.height}, distances ${JSON.stringify(found)}`;
    expect({ width: drawn.width, height: drawn.height }, seen).toEqual({ width: STORED.height, height: STORED.width });
    expect(found.upright, seen).toBeLessThan(40);
    expect(found['wrong way'], seen).toBeGreaterThan(4 * found.upright!);
    expect(problems).toEqual([]);
    await page.close();
  });
});
