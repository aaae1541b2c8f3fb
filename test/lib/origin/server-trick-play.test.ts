import { cpSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist, parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { REPO_DIR } from '../../helpers/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('serve: just-in-time trick play', () => {
  it('creates /i/<rendition>/kfonly/index_0_av.m3u8 once, saves it, and its ranges are key frames', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const responses = await Promise.all(Array.from({ length: 5 }, () => t.get('/i/av.mp4/kfonly/index_0_av.m3u8')));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const texts = new Set(await Promise.all(responses.map((r) => r.text())));
    expect(texts.size).toBe(1);
    const text = [...texts][0];
    const playlist = parseMediaPlaylist(text);
    expect(playlist.isIFrame).toBe(true);
    expect(playlist.version).toBeGreaterThanOrEqual(4);
    expect(readFileSync(path.join(t.cacheDir, 'av.mp4/kfonly/index_0_av.m3u8'), 'utf8')).toBe(text);
    // av.mp4: 12 s with a key frame every 2 s.
    expect(playlist.segments).toHaveLength(6);
    for (const entry of playlist.segments) {
      expect(entry.uri).toMatch(/^\.\.\/segment\d_0_av\.ts$/);
      const { offset, length } = entry.byterange!;
      const ranged = await t.get(`/i/av.mp4/${entry.uri.slice(3)}`, { range: `bytes=${offset}-${offset! + length - 1}` });
      expect(ranged.status).toBe(206);
      const bytes = new Uint8Array(await ranged.arrayBuffer());
      expect(bytes.length).toBe(length);
      expect(bytes[0]).toBe(0x47);
    }
    const again = await t.get('/i/av.mp4/kfonly/index_0_av.m3u8');
    expect(again.headers.get('x-casterpak-cache')).toBe('HIT');
  });

  it('advertises the trick-play stream in the master with EXT-X-I-FRAME-STREAM-INF', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4', 'audio.mp4': 'audio-only.mp4' });
    const master = parseMasterPlaylist(await (await t.get('/i/av.mp4/master.m3u8')).text());
    const iframes = master.variants.filter((v) => v.isIFrameOnly);
    expect(iframes).toHaveLength(1);
    expect(iframes[0].uri).toBe('kfonly/index_0_av.m3u8');
    expect(iframes[0].codecs).toMatch(/^avc1\.[0-9A-F]{6}$/i);
    expect(iframes[0].resolution).toEqual({ width: 320, height: 180 });
    expect(iframes[0].bandwidth).toBeGreaterThan(0);
    const audioMaster = parseMasterPlaylist(await (await t.get('/i/audio.mp4/master.m3u8')).text());
    expect(audioMaster.variants.filter((v) => v.isIFrameOnly)).toHaveLength(0);
  });

  it('serves published streams statically and derives /hls/<path>/kfonly/<name>.m3u8 from them', async () => {
    const published = tempDir('casterpak-published-');
    cpSync(path.join(REPO_DIR, 'test/fixtures/published'), published, { recursive: true });
    const t = await startOrigin({}, { publishedRoot: published });
    const source = await t.get('/hls/show/stream.m3u8');
    expect(source.status).toBe(200);
    expect(source.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const segment = await t.get('/hls/show/stream0.ts', { range: 'bytes=0-187' });
    expect(segment.status).toBe(206);
    const kfonly = await t.get('/hls/show/kfonly/stream.m3u8');
    expect(kfonly.status).toBe(200);
    const playlist = parseMediaPlaylist(await kfonly.text());
    expect(playlist.isIFrame).toBe(true);
    expect(playlist.segments.every((s) => s.uri.startsWith('../stream'))).toBe(true);
    expect(existsSync(path.join(t.cacheDir, '.published/show/kfonly/stream.m3u8'))).toBe(true);
    expect(existsSync(path.join(published, 'show/kfonly'))).toBe(false); // the published root is never written
  });
});
