// serve with a film of several audio tracks (docs/tracks.md): the master lists one EXT-X-MEDIA
// per audio track with the MP4's languages, default and channels, parsed by hls-parser in strict
// mode; every audio playlist and segment it names is served; each variant's BANDWIDTH covers its
// own stream plus the largest audio rendition as measured on the served segments (RFC 8216 §4.3.4.2).
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { peakBitRate } from '../../../src/lib/formats/hls/peak-bandwidth.js';
import { startOrigin } from '../../helpers/origin.js';

// The peak segment bit rate (RFC 8216 §4.1: over runs of 0.5–1.5 target durations) of a media
// playlist's segments, fetched.
async function measuredPeak(get: (p: string) => Promise<Response>, dir: string, text: string): Promise<number> {
  const playlist = parseMediaPlaylist(text);
  const bytes: number[] = [];
  for (const segment of playlist.segments) {
    const response = await get(`${dir}/${segment.uri}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp2t');
    bytes.push((await response.arrayBuffer()).byteLength);
  }
  const seconds = playlist.segments.map((s) => s.duration);
  return peakBitRate({ bytes, seconds, targetDuration: playlist.targetDuration });
}

describe('serve: alternate audio', () => {
  it('lists every audio track of tracks.mp4 in master.m3u8 and serves each', async () => {
    const t = await startOrigin({ 'film.mp4': 'tracks.mp4' });
    const response = await t.get('/i/film.mp4/master.m3u8');
    expect(response.status).toBe(200);
    const text = await response.text();
    const master = parseMasterPlaylist(text);
    const variants = master.variants.filter((v) => !v.isIFrameOnly);
    expect(variants).toHaveLength(1);
    const audio = variants[0].audio;
    expect(audio.map((a) => [a.language, a.name, a.isDefault, a.autoselect, a.channels])).toEqual([
      ['en', 'English', false, true, '1'],
      ['fr', 'French', true, true, '1'],
      ['und', 'Track 4', false, true, '2'],
    ]);
    expect(new Set(audio.map((a) => a.groupId)).size).toBe(1);
    expect(text).toMatch(/#EXT-X-STREAM-INF:.*AUDIO="audio-mp4a\.40\.2",SUBTITLES="subs",CLOSED-CAPTIONS=NONE/);

    const own = await (await t.get('/i/film.mp4/index_0_av.m3u8')).text();
    const ownPeak = await measuredPeak(t.get, '/i/film.mp4', own);
    let largest = 0;
    for (const rendition of audio) {
      const playlist = await t.get(`/i/film.mp4/${rendition.uri}`);
      expect(playlist.status).toBe(200);
      largest = Math.max(largest, await measuredPeak(t.get, '/i/film.mp4', await playlist.text()));
    }
    expect(variants[0].bandwidth).toBeGreaterThanOrEqual(Math.floor(ownPeak + largest));
    const again = await t.get(`/i/film.mp4/${audio[0].uri}`);
    expect(again.headers.get('x-casterpak-cache')).toBe('HIT');
    // /metrics counts them: requests by route, packaging runs as their own kind.
    const metrics = await (await t.get('/metrics')).text();
    expect(metrics).toMatch(/casterpak_http_requests_total\{route="audio-segment",status="200"\} [1-9]/);
    expect(metrics).toMatch(/casterpak_packaging_runs_total\{[^}]*what="audio"[^}]*\} [1-9]/);
  }, 120_000);

  it('takes the groups of a .csmil from its first rendition that has them, named by every variant', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4', 'film.mp4': 'tracks.mp4' });
    const response = await t.get('/i/,av.mp4,film.mp4,.csmil/master.m3u8');
    expect(response.status).toBe(200);
    const master = parseMasterPlaylist(await response.text());
    const variants = master.variants.filter((v) => !v.isIFrameOnly);
    expect(variants.map((v) => v.uri).sort()).toEqual(['../av.mp4/index_0_av.m3u8', '../film.mp4/index_0_av.m3u8']);
    for (const variant of variants) {
      expect(variant.audio.map((a) => a.uri)).toEqual([
        '../film.mp4/index_0_a2.m3u8',
        '../film.mp4/index_0_a3.m3u8',
        '../film.mp4/index_0_a4.m3u8',
      ]);
    }
    expect(variants.map((v) => v.subtitles.map((x) => x.uri))).toEqual([['../film.mp4/index_0_s5.m3u8'], ['../film.mp4/index_0_s5.m3u8']]);
    for (const a of variants[0].audio) expect((await t.get(`/i/,av.mp4,film.mp4,.csmil/${a.uri}`)).status).toBe(200);
  }, 60_000);

  it('keeps a single-audio film without EXT-X-MEDIA, and answers 404 for a track that is not audio', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4', 'film.mp4': 'tracks.mp4' });
    expect(await (await t.get('/i/av.mp4/master.m3u8')).text()).not.toContain('#EXT-X-MEDIA');
    expect((await t.get('/i/film.mp4/index_0_a1.m3u8')).status).toBe(404);
    expect((await t.get('/i/film.mp4/index_0_a9.m3u8')).status).toBe(404);
    expect((await t.get('/i/film.mp4/segment99_0_a2.ts')).status).toBe(404);
    expect((await t.get('/i/film.mp4/segment1_0_a0.ts')).status).toBe(404);
  }, 60_000);
});
