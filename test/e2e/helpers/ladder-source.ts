// A source with derived renditions below it (docs/configuration.md, "Derived renditions"): a
// 960x540 title made at setup, so the default ladder's 360p (H.264 Main) and 234p (Baseline)
// profiles are both below it, and the csmil master that lists the source and both of them.
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { FFMPEG } from './media.js';
import type { Resources } from './resources.js';
import { startServe, type ServeProcess } from './serve-process.js';

export const LADDER_SECONDS = 24;
export const SEGMENT_SECONDS = 4;
export const LADDER_FRAMES = LADDER_SECONDS * 25;

// The source is a real file whose name has no ladder profile after its last underscore
// (`src`), so `film_src_360p.mp4` is derived from it. A csmil name drops empty middles
// (origin/request-path.ts), so the source gets the middle `src` and the prefix `film_`.
export const SOURCE = 'shows/film_src.mp4';
export const DERIVED = { '360p': 'shows/film_src_360p.mp4', '234p': 'shows/film_src_234p.mp4' } as const;
export const LADDER_MASTER = '/i/shows/film_,src,src_360p,src_234p,.mp4.csmil/master.m3u8';
// The picture heights a player is offered: 234p and 360p derived, the source's 540.
export const LADDER_HEIGHTS = [234, 360, 540] as const;

// H.264 with B-frames (so the source's decode and presentation orders differ, which a derived
// rendition must keep) and a key frame every 2 s, AAC stereo, 25 fps. ultrafast: made in
// about 3 s on 2 cores.
export async function makeLadderSource(library: string): Promise<string> {
  const file = path.join(library, SOURCE);
  mkdirSync(path.dirname(file), { recursive: true });
  await execa(
    FFMPEG,
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=960x540:rate=25:duration=${LADDER_SECONDS}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=48000:duration=${LADDER_SECONDS}`,
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-preset',
      'ultrafast',
      '-bf',
      '2',
      '-g',
      '50',
      '-keyint_min',
      '50',
      '-sc_threshold',
      '0',
      '-b:v',
      '1500k',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-ac',
      '2',
      '-movflags',
      '+faststart',
      file,
    ],
    { timeout: 60_000 },
  );
  return file;
}

// serve over `library` with a fresh cache: small segments so the title has several, and one
// transcode at a time (the default, given explicitly: 2 cores). The encoder is the default
// one, @ffmpeg-installer/ffmpeg's, as operators get it; the system ffmpeg only reads.
export function startLadderServe(res: Resources, library: string, args: readonly string[] = []): Promise<ServeProcess> {
  return startServe(res, {
    cacheDir: res.dir('cache'),
    sourceRoot: library,
    segmentDuration: SEGMENT_SECONDS,
    args: ['--max-transcodes', '1', ...args],
  });
}

// The MPEG-TS segments cached for a rendition (none when its directory does not exist).
export function cachedSegments(cacheDir: string, rendition: string): string[] {
  const dir = path.join(cacheDir, rendition);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.ts')) : [];
}
