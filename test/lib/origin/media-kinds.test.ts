// What the origin answers for the kinds of file issue #19 names, at the playlist: `.m4a`, `.m4v`
// and `.mov` served like `.mp4` (an audio-only file as audio-only HLS), and a file whose segments
// mp42hls cannot write refused there with 415 and the reason, never a 200 playlist.
import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist, parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { startOrigin } from '../../helpers/origin.js';

describe('media kinds at the playlist', () => {
  it('serves .m4a, .m4v and .mov sources like .mp4; .m4a audio-only', async () => {
    const t = await startOrigin({ 'song.m4a': 'audio-only.mp4', 'clip.m4v': 'av.mp4', 'clip.mov': 'av.mp4' });
    for (const name of ['song.m4a', 'clip.m4v', 'clip.mov']) {
      const playlist = await t.get(`/i/${name}/index_0_av.m3u8`);
      expect(playlist.status, name).toBe(200);
      const segments = parseMediaPlaylist(await playlist.text()).segments;
      expect(segments.length, name).toBeGreaterThan(0);
      const segment = await t.get(`/i/${name}/segment1_0_av.ts`);
      expect(segment.status, name).toBe(200);
      expect(new Uint8Array(await segment.arrayBuffer())[0], name).toBe(0x47);
    }
    const master = await t.get('/i/song.m4a/master.m3u8');
    expect(master.status).toBe(200);
    const variants = parseMasterPlaylist(await master.text()).variants.filter((v) => !v.isIFrameOnly);
    expect(variants.map((v) => v.codecs)).toEqual(['mp4a.40.2']);
    expect(variants[0].resolution).toBeUndefined();
  });

  it('a .mov that is not ISO BMFF is refused with 422 and the reason', async () => {
    const t = await startOrigin({ 'text.mov': 'not-an-mp4.mp4' });
    const response = await t.get('/i/text.mov/index_0_av.m3u8');
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/not an MP4/);
  });

  it('MP3 audio: 415 at the playlist and the master, with the reason', async () => {
    const t = await startOrigin({ 'mp3.mp4': 'mp3.mp4' });
    for (const target of ['index_0_av.m3u8', 'master.m3u8', 'index_0_av.m3u8']) {
      const response = await t.get(`/i/mp3.mp4/${target}`);
      expect(response.status, target).toBe(415);
      expect(await response.text(), target).toMatch(/audio track 2 \('mp4a'\) holds MPEG-1 audio \(MP3\)/);
    }
  });
});
