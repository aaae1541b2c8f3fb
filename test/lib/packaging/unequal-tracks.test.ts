// Tracks of unequal length or start (issue #19): made by ffmpeg as uploads have them, packaged by
// `package` (a whole-file run over the moved copy) and segment by segment from the moov, the two
// byte-identical, and every video and audio packet the source has presented when ffprobe presents
// it in the source (helpers/source-timeline.ts), the playlist lasting as long as the source.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { segmentName } from '../../../src/lib/cache/names.js';
import { FFPROBE } from '../renditions/helpers/media-probe.js';
import { expectSourceTimeline } from './helpers/source-timeline.js';
import { ffmpegLibrary } from '../../helpers/ffmpeg-library.js';
import { testStore } from '../../helpers/store.js';

const run = promisify(execFile);
const V = ['-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25'];
const A = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const CODECS = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-bf',
  '2',
  '-g',
  '25',
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
  '-b:a',
  '32k',
  '-ac',
  '1',
];

const FIXTURES: Record<string, string[]> = {
  // The video ends 1.5 s before the audio: mp42hls writes that audio in the last segment.
  'video-shorter.mp4': [...V, ...A, '-map', '0:v', '-map', '1:a', '-t', '3', '-vf', 'trim=0:1.5', ...CODECS],
  // The audio starts 0.5 s after the video (an empty edit on the audio track).
  'audio-late.mp4': [...V, '-itsoffset', '0.5', ...A, '-t', '2.5', ...CODECS],
  // The video starts 0.5 s after the audio (an empty edit on the video track).
  'video-late.mp4': ['-itsoffset', '0.5', ...V, ...A, '-t', '2.5', ...CODECS],
};

const library = ffmpegLibrary('casterpak-unequal-', FIXTURES);

const store = () => testStore({ segmentDuration: 1, resolveSource: async (p) => path.join(library(), p) });

// The source's length as ffprobe reads it (the movie's duration, edit lists included).
async function sourceSeconds(file: string): Promise<number> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

describe('tracks of unequal length or start', () => {
  it.each(Object.keys(FIXTURES))('%s: every frame and sample in place, package = alone', { timeout: 60_000 }, async (name) => {
    const packaged = store();
    expect(await packaged.store.make(name, false)).toBe('committed');
    const alone = store();
    const dirA = packaged.layout.renditionDir(name);
    const dirB = alone.layout.renditionDir(name);
    await alone.store.ensure(name);
    const playlist = readFileSync(path.join(dirB, 'index_0_av.m3u8'), 'utf8');
    expect(playlist).toBe(readFileSync(path.join(dirA, 'index_0_av.m3u8'), 'utf8'));
    const count = readdirSync(dirA).filter((n) => n.endsWith('.ts')).length;
    const segments: Buffer[] = [];
    for (let n = 1; n <= count; n++) {
      await alone.store.ensure(name, n);
      segments.push(readFileSync(path.join(dirB, segmentName(n))));
      expect(segments[n - 1].equals(readFileSync(path.join(dirA, segmentName(n)))), `segment ${n}`).toBe(true);
    }
    await expectSourceTimeline(path.join(library(), name), segments);
    const seconds = [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    // mp42hls times the last segment to its last decode time: within the last frame and the
    // B-frame delay (two frames at 25 fps) of the source's length.
    expect(Math.abs(seconds - (await sourceSeconds(path.join(library(), name))))).toBeLessThanOrEqual(0.121);
  });
});
