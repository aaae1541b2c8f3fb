// The fMP4 form served (docs/formats.md): master, playlists, init and media segments made on
// request from the moov, with the MPEG-TS playlist's EXTINFs, the source's packets on its
// presentation timeline (source-timeline.ts), the HTTP behaviour of every cached file, and the
// fMP4 variant an HEVC source's master gets.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../../src/lib/formats/hls/codec.js';
import { media } from '../../../helpers/bento4.js';
import { startOrigin, type TestOrigin } from '../../../helpers/origin.js';
import { expectFmp4SourceTimeline } from '../../packaging/helpers/source-timeline.js';
import { decodeAll, extinfs } from './fmp4-oracles.js';

const ok = async (response: Response) => {
  expect(response.status, response.url).toBe(200);
  return response;
};
const text = async (t: TestOrigin, url: string) => (await ok(await t.get(url))).text();
const bytes = async (t: TestOrigin, url: string) => new Uint8Array(await (await ok(await t.get(url))).arrayBuffer());
const resolve = (uri: string, base: string) => new URL(uri, `http://x${base}`).pathname;

// A media playlist of the fMP4 form: its init and segments, fetched, decoded and probed.
async function rendition(t: TestOrigin, url: string) {
  const playlistText = await text(t, url);
  const playlist = parseMediaPlaylist(playlistText);
  const init = playlist.segments[0].map?.uri;
  expect(init).toBeDefined();
  const parts = [await bytes(t, resolve(init!, url))];
  for (const s of playlist.segments) parts.push(await bytes(t, resolve(s.uri, url)));
  return { playlistText, playlist, file: decodeAll(parts) };
}

describe('serve: the fMP4 form of a rendition', () => {
  it('lists video and audio apart, with the MPEG-TS EXTINFs, and carries the source packets unchanged', async () => {
    const t = await startOrigin({ 'a.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const master = parseMasterPlaylist(await text(t, '/i/a.mp4/fmp4/master.m3u8'));
    expect(master.variants.map((v) => [v.isIFrameOnly, v.uri])).toEqual([
      [false, 'index_0_v.m3u8'],
      [true, 'kfonly/index_0_v.m3u8'],
    ]);
    const [variant] = master.variants;
    expect(variant.uri).toBe('index_0_v.m3u8');
    expect(variant.codecs).toMatch(/^avc1\.[0-9A-F]{6},mp4a\.40\.2$/);
    expect(variant.audio.map((a) => a.uri)).toEqual(['index_0_a2.m3u8']);
    const ts = await text(t, '/i/a.mp4/index_0_av.m3u8');
    const video = await rendition(t, '/i/a.mp4/fmp4/index_0_v.m3u8');
    const audio = await rendition(t, '/i/a.mp4/fmp4/index_0_a2.m3u8');
    for (const form of [video, audio]) {
      expect(extinfs(form.playlistText)).toEqual(extinfs(ts));
      expect(form.playlistText).toMatch(/^#EXT-X-VERSION:7$/m);
      expect(form.playlistText).toMatch(/^#EXT-X-INDEPENDENT-SEGMENTS$/m);
    }
    await expectFmp4SourceTimeline(media('av.mp4'), [
      { file: video.file, stream: 0 },
      { file: audio.file, stream: 1 },
    ]);
    const kept = readdirSync(path.join(t.cacheDir, 'a.mp4', 'fmp4')).sort();
    expect(kept.filter((n) => !n.endsWith('.m3u8'))).toEqual(
      ['init_0_a2.mp4', 'init_0_v.mp4', ...[1, 2, 3].flatMap((k) => [`segment${k}_0_a2.m4s`, `segment${k}_0_v.m4s`])].sort(),
    );
  });

  it('answers as every cached file: types, a HIT, ranges, HEAD and conditional requests', async () => {
    const t = await startOrigin({ 'a.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const first = await ok(await t.get('/i/a.mp4/fmp4/segment2_0_v.m4s'));
    expect(first.headers.get('content-type')).toBe('video/mp4');
    expect(first.headers.get('x-casterpak-cache')).toBe('MISS');
    const whole = new Uint8Array(await first.arrayBuffer());
    const again = await ok(await t.get('/i/a.mp4/fmp4/segment2_0_v.m4s'));
    expect(again.headers.get('x-casterpak-cache')).toBe('HIT');
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(whole);
    const part = await t.get('/i/a.mp4/fmp4/segment2_0_v.m4s', { Range: 'bytes=8-15' });
    expect(part.status).toBe(206);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.subarray(8, 16));
    const head = await t.get('/i/a.mp4/fmp4/init_0_a2.mp4', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('audio/mp4');
    const etag = again.headers.get('etag')!;
    expect((await t.get('/i/a.mp4/fmp4/segment2_0_v.m4s', { 'If-None-Match': etag })).status).toBe(304);
    const audio = await ok(await t.get('/i/a.mp4/fmp4/segment1_0_a2.m4s'));
    expect(audio.headers.get('content-type')).toBe('audio/mp4');
    for (const missing of ['segment9_0_v.m4s', 'index_0_a7.m3u8', 'init_0_a1.mp4', 'segment1_0_av.m4s'])
      expect((await t.get(`/i/a.mp4/fmp4/${missing}`)).status, missing).toBe(404);
  });

  it('one audio rendition per carried track of a film with several, and its subtitles', async () => {
    const t = await startOrigin({ 't.mp4': 'tracks.mp4' }, { serve: { readAhead: 0 } });
    const master = parseMasterPlaylist(await text(t, '/i/t.mp4/fmp4/master.m3u8'));
    const uris = master.variants.flatMap((v) => v.audio.map((a) => a.uri));
    expect(uris).toEqual(['index_0_a2.m3u8', 'index_0_a3.m3u8', 'index_0_a4.m3u8']);
    // The WebVTT subtitles of the MPEG-TS form (docs/tracks.md), one directory up.
    const subtitles = master.variants.find((v) => !v.isIFrameOnly)!.subtitles.map((r) => r.uri!);
    expect(subtitles).toEqual(['../index_0_s5.m3u8']);
    const cues = await t.get(resolve(subtitles[0], '/i/t.mp4/fmp4/master.m3u8'));
    expect(cues.status).toBe(200);
    expect(await cues.text()).toMatch(/^#EXTM3U/);
    const tracks = [];
    for (const [uri, stream] of [
      ['index_0_v.m3u8', 0],
      ['index_0_a3.m3u8', 2],
      ['index_0_a4.m3u8', 3],
    ] as const)
      tracks.push({ file: (await rendition(t, `/i/t.mp4/fmp4/${uri}`)).file, stream });
    await expectFmp4SourceTimeline(media('tracks.mp4'), tracks);
  });

  it('a phone video: the fMP4 master gives the upright picture its kept display matrix shows; the MPEG-TS master the same when transcoded upright, else the stored one', async () => {
    const resolutions = async (upright: boolean) => {
      const t = await startOrigin({ 'p.mp4': 'phone-rotated.mp4' }, { renditions: { upright }, serve: { readAhead: 0 } });
      return ['/i/p.mp4/master.m3u8', '/i/p.mp4/fmp4/master.m3u8'].map(
        async (url) => parseMasterPlaylist(await text(t, url)).variants[0].resolution!,
      );
    };
    const [stored, shown] = await Promise.all(await resolutions(false));
    expect(stored.width).toBeGreaterThan(stored.height);
    expect(shown).toEqual({ width: stored.height, height: stored.width });
    // renditions.upright (the default, docs/renditions.md): both forms show the picture upright.
    const [transcoded, kept] = await Promise.all(await resolutions(true));
    expect(transcoded).toEqual(shown);
    expect(kept).toEqual(shown);
  });

  it('an HEVC (hvc1) source: its master adds an fMP4 variant after the MPEG-TS one, and it plays', async () => {
    const t = await startOrigin({ 'h.mp4': 'hevc.mp4', 'a.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const master = parseMasterPlaylist(await text(t, '/i/h.mp4/master.m3u8'));
    expect(master.variants.map((v) => [v.isIFrameOnly, v.uri, v.codecs])).toEqual([
      [false, 'index_0_av.m3u8', 'hvc1.1.6.L60.90'],
      [false, 'fmp4/index_0_v.m3u8', 'hvc1.1.6.L60.90'],
      [true, 'kfonly/index_0_av.m3u8', 'hvc1.1.6.L60.90'],
      [true, 'fmp4/kfonly/index_0_v.m3u8', 'hvc1.1.6.L60.90'],
    ]);
    const { file, playlistText } = await rendition(t, '/i/h.mp4/fmp4/index_0_v.m3u8');
    expect(extinfs(playlistText)).toEqual(extinfs(await text(t, '/i/h.mp4/index_0_av.m3u8')));
    await expectFmp4SourceTimeline(media('hevc.mp4'), [{ file, stream: 0 }]);
    // An H.264 source's master is what it was.
    const plain = parseMasterPlaylist(await text(t, '/i/a.mp4/master.m3u8'));
    expect(plain.variants.some((v) => v.uri.includes('fmp4/'))).toBe(false);
  });
});
