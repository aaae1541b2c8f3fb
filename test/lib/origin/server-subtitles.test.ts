// serve with subtitles inside (tx3g) and beside (sidecar .srt/.vtt) a film (docs/tracks.md): the
// master lists them as EXT-X-MEDIA:TYPE=SUBTITLES and every variant names the group; each WebVTT
// playlist parses strictly; the cues a player builds from the segments (cue time + X-TIMESTAMP-MAP,
// RFC 8216 §3.5) are the source's cues at the MPEG-TS time their picture has, the source's own
// read by ffmpeg (tx3g) or from the file (sidecars). A malformed or badly named sidecar is left out.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { media } from '../../helpers/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { recordingLogger } from '../../helpers/recording-logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface PlayerCue {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const TIME = /(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})/;
const secondsOf = (t: string) => {
  const m = TIME.exec(t)!;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
};

// The cues of WebVTT text, each shifted as hls.js and Safari apply X-TIMESTAMP-MAP: MPEGTS / 90000 − LOCAL.
function cuesOf(text: string): PlayerCue[] {
  const map = /X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:([\d:.]+)/.exec(text);
  const shift = map ? Number(map[1]) / 90000 - secondsOf(map[2]) : 0;
  return text
    .replace(/\r/g, '')
    .split(/\n\n+/)
    .filter((block) => block.includes('-->'))
    .map((block) => {
      const lines = block.split('\n');
      const at = lines.findIndex((l) => l.includes('-->'));
      const [from, to] = lines[at].split('-->');
      return {
        start: +(secondsOf(from) + shift).toFixed(3),
        end: +(secondsOf(to) + shift).toFixed(3),
        text: lines
          .slice(at + 1)
          .join('\n')
          .trimEnd(),
      };
    });
}

// ffprobe prints a TS stream's start_time once per program and stream: the first line.
const probeStart = (file: string) => {
  const args = ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=start_time', '-of', 'csv=p=0', file];
  return Number(execFileSync('ffprobe', args, { encoding: 'utf8' }).trim().split('\n')[0]);
};

describe('serve: subtitles', () => {
  it('lists tx3g and sidecar subtitles and serves their cues at the picture times', async () => {
    const logger = recordingLogger();
    const t = await startOrigin({ 'film.mp4': 'tracks.mp4' }, {}, logger);
    copyFileSync(media('tracks.en.srt'), path.join(t.sourceRoot, 'film.en.srt'));
    copyFileSync(media('tracks.fr.vtt'), path.join(t.sourceRoot, 'film.fr.vtt'));
    writeFileSync(path.join(t.sourceRoot, 'film.de.srt'), '1\n00:00:01,000 --> later\nkaputt\n');
    writeFileSync(path.join(t.sourceRoot, 'film.en us.srt'), '1\n00:00:01,000 --> 00:00:02,000\nbad name\n');

    const text = await (await t.get('/i/film.mp4/master.m3u8')).text();
    const master = parseMasterPlaylist(text);
    const variant = master.variants.find((v) => !v.isIFrameOnly)!;
    expect(variant.subtitles.map((s) => [s.language, s.name, s.uri])).toEqual([
      ['en', 'English', 'index_0_s5.m3u8'],
      ['en', 'English 2', 'index_0_f-en.srt.m3u8'],
      ['fr', 'French', 'index_0_f-fr.vtt.m3u8'],
    ]);
    expect(text).toMatch(/SUBTITLES="subs",CLOSED-CAPTIONS=NONE/);
    const left = logger.warnings().filter((l) => l.message === 'subtitle file left out');
    expect(left.map((l) => l.fields.file)).toEqual(['film.de.srt', 'film.en us.srt']);

    // Where presentation time 0 is on the MPEG-TS timeline: the first picture's PTS in the
    // first segment, less its presentation time in the MP4 (ffprobe applies the edit list).
    const first = path.join(tempDir('casterpak-seg-'), 'segment1.ts');
    writeFileSync(first, Buffer.from(await (await t.get('/i/film.mp4/segment1_0_av.ts')).arrayBuffer()));
    const zero = probeStart(first) - probeStart(media('tracks.mp4'));

    const vtt = path.join(tempDir('casterpak-vtt-'), 'tx3g.vtt');
    execFileSync('ffmpeg', ['-v', 'error', '-i', media('tracks.mp4'), '-map', '0:s', '-c:s', 'webvtt', vtt]);
    const sources: Record<string, string> = {
      'index_0_s5.m3u8': vtt,
      'index_0_f-en.srt.m3u8': '',
      'index_0_f-fr.vtt.m3u8': media('tracks.fr.vtt'),
    };
    for (const rendition of variant.subtitles) {
      const playlist = parseMediaPlaylist(await (await t.get(`/i/film.mp4/${rendition.uri}`)).text());
      const played = new Map<string, PlayerCue>();
      for (const segment of playlist.segments) {
        const response = await t.get(`/i/film.mp4/${segment.uri}`);
        expect(response.headers.get('content-type')).toMatch(/^text\/vtt/);
        const body = await response.text();
        expect(body).toMatch(/^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:\d+,LOCAL:00:00:00\.000\n/);
        for (const cue of cuesOf(body)) played.set(`${cue.start} ${cue.end}`, cue);
      }
      const file = sources[rendition.uri!];
      const expected = file
        ? cuesOf(readFileSync(file, 'utf8'))
        : [
            { start: 0.5, end: 2, text: 'Hello &amp; <i>welcome</i>' },
            { start: 3, end: 5.25, text: 'Second line\ntwo rows' },
          ];
      const shifted = expected.map((c) => `${+(c.start + zero).toFixed(3)} ${+(c.end + zero).toFixed(3)}`);
      expect([...played.keys()]).toEqual(shifted);
      if (file !== vtt) expect([...played.values()].map((c) => c.text)).toEqual(expected.map((c) => c.text));
    }
  }, 120_000);
});
