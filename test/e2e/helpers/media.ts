// ffmpeg and ffprobe as independent oracles, and a longer test video made at setup (the
// committed fixtures are 12 s at most; a player test needs time to play and to seek).
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FFMPEG = process.env.FFMPEG ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE ?? 'ffprobe';

// H.264 High with B-frames and a key frame every 2 s, AAC stereo, 320x180 at 25 fps: the shape
// of test/fixtures/media/av.mp4, longer. testsrc2 moves, so frames at different times differ.
export async function makeTestVideo(file: string, seconds: number): Promise<string> {
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
      `testsrc2=size=320x180:rate=25:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-preset',
      'veryfast',
      '-g',
      '50',
      '-keyint_min',
      '50',
      '-sc_threshold',
      '0',
      '-bf',
      '2',
      '-b:v',
      '300k',
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

// Reads a URL (playlist and everything it references) the way ffmpeg's HLS demuxer does and
// throws nothing: the caller checks exitCode and stderr.
export async function ffmpegRead(url: string): Promise<{ exitCode: number; stderr: string }> {
  const result = await execa(FFMPEG, ['-v', 'error', '-nostdin', '-i', url, '-c', 'copy', '-f', 'null', '-'], {
    reject: false,
    timeout: 60_000,
  });
  return { exitCode: result.exitCode ?? -1, stderr: result.stderr };
}

export interface ProbedFrame {
  readonly key_frame: number;
  readonly pict_type: string;
}

// The video frames ffprobe decodes from MPEG-TS bytes given on stdin.
export async function probeVideoFrames(bytes: Uint8Array): Promise<{ frames: ProbedFrame[]; stderr: string }> {
  const result = await execa(
    FFPROBE,
    [
      '-v',
      'error',
      '-f',
      'mpegts',
      '-select_streams',
      'v:0',
      '-show_frames',
      '-show_entries',
      'frame=key_frame,pict_type',
      '-of',
      'json',
      '-i',
      'pipe:0',
    ],
    { input: Buffer.from(bytes), reject: false, timeout: 30_000 },
  );
  const parsed = JSON.parse(result.stdout || '{}') as { frames?: ProbedFrame[] };
  return { frames: parsed.frames ?? [], stderr: result.stderr };
}

export interface Rendition {
  readonly size: string;
  readonly videoBitrate: string;
}

// The same test picture and tone as makeTestVideo, at another picture size and video bit rate,
// with the same GOP (a key frame every 2 s, no scene cuts) so renditions of one title line
// up segment for segment and a player can switch between them: the renditions of a csmil master.
export async function makeTestRendition(file: string, seconds: number, rendition: Rendition): Promise<string> {
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
      `testsrc2=size=${rendition.size}:rate=25:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-preset',
      'veryfast',
      '-g',
      '50',
      '-keyint_min',
      '50',
      '-sc_threshold',
      '0',
      '-bf',
      '2',
      '-b:v',
      rendition.videoBitrate,
      '-maxrate',
      rendition.videoBitrate,
      '-bufsize',
      rendition.videoBitrate,
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

// A copy of `input` without its audio (stream copy, no encoding).
export async function dropAudio(input: string, output: string): Promise<string> {
  mkdirSync(path.dirname(output), { recursive: true });
  await execa(FFMPEG, ['-v', 'error', '-y', '-i', input, '-map', '0:v', '-c', 'copy', '-movflags', '+faststart', output], {
    timeout: 60_000,
  });
  return output;
}

// `<library>/film.mp4` (docs/tracks.md): H.264, English and French AAC (French the default), an
// English tx3g track with one cue from 12 s to 15 s, and a sidecar `film.fr.vtt` with a cue
// from 2 s to 4 s.
export async function makeTracksFilm(library: string, seconds: number): Promise<void> {
  const srt = path.join(library, 'inside.srt');
  writeFileSync(srt, '1\n00:00:12,000 --> 00:00:15,000\nInside cue\n');
  writeFileSync(path.join(library, 'film.fr.vtt'), 'WEBVTT\n\n00:00:02.000 --> 00:00:04.000\nCue beside\n');
  const lavfi = (source: string) => ['-f', 'lavfi', '-i', `${source}:duration=${seconds}`];
  await execa(FFMPEG, [
    ...['-v', 'error', '-y'],
    ...lavfi('testsrc2=size=320x180:rate=25'),
    ...lavfi('sine=frequency=440:sample_rate=48000'),
    ...lavfi('sine=frequency=660:sample_rate=48000'),
    ...['-i', srt, '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s'],
    ...['-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-g', '50', '-b:v', '200k'],
    ...['-c:a', 'aac', '-b:a', '48k', '-ac', '1', '-c:s', 'mov_text'],
    ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-metadata:s:s:0', 'language=eng'],
    ...['-disposition:a:0', '0', '-disposition:a:1', 'default', '-movflags', '+faststart', path.join(library, 'film.mp4')],
  ]);
}
