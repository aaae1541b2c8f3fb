// The test page for players: a tiny node:http server (on its own port, so every request to
// casterpak or nginx is cross-origin, as from a real web page) serving player-page.html and
// hls.js from node_modules.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { Resources } from './resources.js';

// What player-page.html exposes to page.evaluate.
export interface PlayerState {
  currentTime: number;
  duration: number;
  ended: boolean;
  fatal: string | null;
  errors: string[];
  iframeVariants: number;
}

export interface IFrames {
  error?: string;
  errors: string[];
  frames: Array<{ time: number; mediaTime: number | null; variance?: number; signature?: number[] }>;
}

declare global {
  interface Window {
    player: {
      canDecode(codecs: string): boolean;
      supported(): boolean;
      play(url: string): void;
      state(): PlayerState;
      seek(time: number): void;
      iframes(times: number[]): Promise<IFrames>;
    };
  }
}

export const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
const PAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'player-page.html');

// Serves `files` (URL path → [file, content type]) on a port of its own until `res` is
// released; returns the base URL.
export async function servePageFiles(res: Resources, name: string, files: Record<string, readonly [string, string]>): Promise<string> {
  const server = http.createServer((req, response) => {
    const file = files[req.url ?? ''];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': file[1], 'Cache-Control': 'no-store' }).end(readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  res.add(
    name,
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

export function startPlayerPage(res: Resources): Promise<string> {
  return servePageFiles(res, 'player page server', {
    '/': [PAGE, 'text/html; charset=utf-8'],
    '/hls.min.js': [HLS_JS, 'text/javascript; charset=utf-8'],
  });
}

// Plays `url` on a page opened at the player page until currentTime passes `seconds` or
// hls.js reports a fatal error; returns the player state then.
export async function playPast(page: Page, url: string, seconds: number, timeoutMs = 30_000): Promise<PlayerState> {
  await page.evaluate((u) => window.player.play(u), url);
  await page.waitForFunction((s) => window.player.state().currentTime > s || window.player.state().fatal !== null, seconds, {
    timeout: timeoutMs,
  });
  return page.evaluate(() => window.player.state());
}
