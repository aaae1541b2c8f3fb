// Audio renditions of every carriable audio track (docs/tracks.md), checked against ffprobe and
// hls-parser rather than casterpak's own readers: each rendition's playlist parses strictly with
// the video's segment durations, and its segments, joined, decode to exactly the source track's
// frames, audio only, from the first segment to the last.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audioPlaylistName, INDEX_PLAYLIST } from '../../../../src/lib/cache/names.js';
import { parseMediaPlaylist } from '../../../../src/lib/formats/hls/codec.js';
import { AudioRenditions } from '../../../../src/lib/packaging/store/audio-requests.js';
import { media } from '../../../helpers/bento4.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { testStore } from '../../../helpers/store.js';

const FILM = 'tracks.mp4';

function probe(args: string[]): Record<string, unknown>[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...args], { encoding: 'utf8' });
  return (JSON.parse(out) as { streams: Record<string, unknown>[] }).streams;
}

function setup() {
  const { store, layout } = testStore();
  return { store, audio: new AudioRenditions(store), layout };
}

describe('audio renditions', () => {
  // The source's sample counts (nb_frames: the MP4's sample tables; decoding it would drop the
  // AAC priming frame its edit list hides, which MPEG-TS has no way to say).
  const source = probe(['-show_entries', 'stream=index,codec_type,nb_frames', media(FILM)]);
  // MP4 track IDs of ffmpeg's muxer are the stream index + 1.
  const audioTracks = source.filter((s) => s.codec_type === 'audio').map((s) => ({ id: Number(s.index) + 1, frames: Number(s.nb_frames) }));

  it('the fixture has three audio tracks', () => expect(audioTracks).toHaveLength(3));

  it('makes each track a rendition on the video segments, decoding to the source track frames', async () => {
    const { store, audio } = setup();
    for (const { id, frames } of audioTracks) {
      const { file } = await audio.playlist(FILM, id);
      expect(path.basename(file)).toBe(audioPlaylistName(id));
      const text = readFileSync(file, 'utf8');
      const own = parseMediaPlaylist(readFileSync(path.join(path.dirname(file), INDEX_PLAYLIST), 'utf8'));
      const parsed = parseMediaPlaylist(text);
      expect(parsed.segments.map((s) => s.duration)).toEqual(own.segments.map((s) => s.duration));
      const parts: Buffer[] = [];
      for (let k = 1; k <= parsed.segments.length; k++) {
        const made = await audio.segment(FILM, id, k);
        expect(path.basename(made.file)).toBe(parsed.segments[k - 1].uri);
        parts.push(readFileSync(made.file));
      }
      const joined = path.join(tempDir('casterpak-joined-'), `a${id}.ts`);
      writeFileSync(joined, Buffer.concat(parts));
      const streams = probe(['-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames', joined]);
      expect(streams.map((s) => s.codec_type)).toEqual(['audio']);
      expect(Number(streams[0].nb_read_frames)).toBe(frames);
    }
    await store.ensure(FILM); // the video rendition is untouched
  }, 120_000);

  it('puts the first audio track at the times the muxed rendition carries it (MPEG-TS PTS)', async () => {
    const { store, audio } = setup();
    const { dir } = await store.ensure(FILM);
    const first = audioTracks[0];
    const audioStart = (file: string) => Number(probe(['-select_streams', 'a', '-show_entries', 'stream=start_time', file])[0].start_time);
    const count = parseMediaPlaylist(readFileSync(path.join(dir, INDEX_PLAYLIST), 'utf8')).segments.length;
    for (let k = 1; k <= count; k++) {
      const muxed = (await store.ensure(FILM, k)).dir;
      const alone = await audio.segment(FILM, first.id, k);
      // Within one AAC frame (1024 samples at 48 kHz): mp42hls cuts the muxed audio at the same time.
      expect(Math.abs(audioStart(alone.file) - audioStart(path.join(muxed, `segment${k}_0_av.ts`)))).toBeLessThan(1024 / 48000);
    }
  }, 120_000);

  it('refuses a track that is not a carriable audio track, and a segment past the end', async () => {
    const { audio } = setup();
    await expect(audio.playlist(FILM, 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(audio.playlist(FILM, 5)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(audio.segment(FILM, 2, 99)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);
});
