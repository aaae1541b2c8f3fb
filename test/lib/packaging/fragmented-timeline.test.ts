// Fragmented sources with edit lists (ffmpeg's `delay_moov` writes the B-frame delay and the AAC
// priming as edit lists in the moov, then the samples in moofs), packaged by the whole-file run:
// every video and audio packet presented when ffprobe presents it in the source, edit lists
// applied (helpers/source-timeline.ts), as for a progressive source (docs/architecture.md, "The
// presentation timeline").
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentName } from '../../../src/lib/cache/names.js';
import { expectSourceTimeline } from './helpers/source-timeline.js';
import { ffmpegLibrary } from '../../helpers/ffmpeg-library.js';
import { testStore } from '../../helpers/store.js';

const V = ['-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25'];
const A = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const CODECS = ['-t', '3', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '25', '-pix_fmt', 'yuv420p'];
const AAC = ['-c:a', 'aac', '-b:a', '32k', '-ac', '1'];
const FRAGMENTED = ['-movflags', 'frag_keyframe+delay_moov'];

const FIXTURES: Record<string, string[]> = {
  // A B-frame delay on the video, AAC priming on the audio: both edit lists.
  'delayed.mp4': [...V, ...A, ...CODECS, ...AAC, ...FRAGMENTED],
  // The audio starts 0.5 s after the video: an initial empty edit besides.
  'audio-late.mp4': [...V, '-itsoffset', '0.5', ...A, ...CODECS, ...AAC, ...FRAGMENTED],
  // No edit list (an empty moov): the source goes to mp42hls as it is.
  'plain.mp4': [...V, ...A, ...CODECS, ...AAC, '-movflags', 'frag_keyframe+empty_moov', '-use_editlist', '0'],
};

const library = ffmpegLibrary('casterpak-fragmented-', FIXTURES);

describe('fragmented sources on the presentation timeline', () => {
  it.each(Object.keys(FIXTURES))('%s: every frame and sample presented when the source presents it', { timeout: 60_000 }, async (name) => {
    const { store, layout } = testStore({ segmentDuration: 1, resolveSource: async (p) => path.join(library(), p) });
    expect(await store.make(name, false)).toBe('committed');
    const dir = layout.renditionDir(name);
    const count = readdirSync(dir).filter((n) => n.endsWith('.ts')).length;
    expect(count).toBeGreaterThan(1);
    const segments = Array.from({ length: count }, (_, k) => readFileSync(path.join(dir, segmentName(k + 1))));
    await expectSourceTimeline(path.join(library(), name), segments);
    // The moved copy the run read is gone with the run directory.
    expect(readdirSync(dir).filter((n) => n.endsWith('.mp4'))).toEqual([]);
  });
});
