// The presentation timeline against ffprobe's reading of the same files: ffmpeg's mov demuxer
// applies edit lists (ISO/IEC 14496-12 §8.6.6) and gives each packet the time a player presents it
// at. Ours must equal it for every sample of the video and audio tracks, up to one offset common
// to both tracks, with no decode time below 0 and no composition offset below 0.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBoxHeader } from '../../../../../src/lib/formats/mp4/boxes.js';
import { parseMoov, type Movie, type Track } from '../../../../../src/lib/formats/mp4/moov.js';
import { onPresentationTimeline } from '../../../../../src/lib/formats/mp4/timeline/presentation.js';
import { probePackets } from '../../../renditions/helpers/media-probe.js';
import { ffmpegLibrary } from '../../../../helpers/ffmpeg-library.js';

const SOURCES = ['-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const BFRAMES = ['-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '25', '-pix_fmt', 'yuv420p'];
const NO_BFRAMES = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p'];
const AAC = ['-c:a', 'aac', '-b:a', '32k', '-ac', '1'];

// Each made by ffmpeg in the shape an upload takes.
const FIXTURES: Record<string, string[]> = {
  // B-frame delay on the video, AAC priming on the audio: both as edit lists.
  'bframes.mp4': [...SOURCES, '-t', '2', ...BFRAMES, ...AAC],
  // ctts version 1 with negative offsets and no edit list.
  'negative-cts.mp4': [...SOURCES, '-t', '2', ...BFRAMES, '-use_editlist', '0', '-movflags', '+negative_cts_offsets', ...AAC],
  // An initial empty edit: the audio starts 0.5 s after the video.
  'audio-late.mp4': [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=96x64:rate=25',
    '-itsoffset',
    '0.5',
    ...SOURCES.slice(4),
    '-t',
    '2',
    ...NO_BFRAMES,
    ...AAC,
  ],
  // No edit list at all, no B-frames.
  'plain.mp4': [...SOURCES, '-t', '1', ...NO_BFRAMES, '-use_editlist', '0', ...AAC],
};

const library = ffmpegLibrary('casterpak-timeline-', FIXTURES);

function moovOf(file: string): Uint8Array {
  const bytes = readFileSync(file);
  for (let at = 0; at < bytes.length;) {
    const box = readBoxHeader(bytes, at);
    if (box.type === 'moov') return bytes.subarray(at, at + box.size);
    at += box.size;
  }
  throw new Error(`${file} has no moov`);
}

const first = (movie: Movie, handler: string): Track => movie.tracks.find((t) => t.handler === handler)!;
const presented = (track: Track, i: number): number =>
  (track.samples.decodeTimes[i] + track.samples.compositionOffsets[i]) / track.timescale;

describe('onPresentationTimeline', () => {
  for (const name of ['bframes.mp4', 'negative-cts.mp4', 'audio-late.mp4']) {
    it(`${name}: every sample presented when ffprobe presents it, up to one common offset`, async () => {
      const file = path.join(library(), name);
      const movie = onPresentationTimeline(parseMoov(moovOf(file)));
      const packets = await probePackets(file);
      const video = first(movie, 'vide');
      const audio = first(movie, 'soun');
      const offset = presented(video, 0) - packets.find((p) => p.kind === 'video')!.ptsTime;
      for (const [track, kind] of [
        [video, 'video'],
        [audio, 'audio'],
      ] as const) {
        const theirs = packets.filter((p) => p.kind === kind);
        expect(theirs.length).toBe(track.samples.count);
        // Half a tick of each track's rounding of the common offset, and ffprobe's 6 printed decimals.
        const tick = 1 / track.timescale + 1e-6;
        theirs.forEach((p, i) =>
          expect(Math.abs(presented(track, i) - p.ptsTime - offset), `${kind} sample ${i}`).toBeLessThanOrEqual(tick),
        );
        expect(Math.min(...track.samples.decodeTimes)).toBeGreaterThanOrEqual(0);
        expect(Math.min(...track.samples.compositionOffsets)).toBeGreaterThanOrEqual(0);
      }
      // The common offset is no larger than it must be: one of the two tracks starts at 0.
      expect(Math.min(video.samples.decodeTimes[0] / video.timescale, audio.samples.decodeTimes[0] / audio.timescale)).toBeLessThan(
        1 / audio.timescale,
      );
    });
  }

  it('leaves a movie without an edit list or negative composition offsets as it is', () => {
    const parsed = parseMoov(moovOf(path.join(library(), 'plain.mp4')));
    expect(parsed.tracks.some((t) => t.edits)).toBe(false);
    expect(onPresentationTimeline(parsed)).toBe(parsed);
  });
});
