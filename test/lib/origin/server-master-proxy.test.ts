import { describe, expect, it, onTestFinished } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { startFakeUpstream, playlistAnswer } from '../../helpers/fake-upstream.js';
import { startOrigin } from '../../helpers/origin.js';
import { MANIFEST, RENDITIONS, SEED_MASTER } from '../../helpers/kaltura-seed.js';

async function proxied(trickPlay: boolean) {
  const upstream = await startFakeUpstream();
  onTestFinished(() => upstream.close());
  upstream.route(MANIFEST, playlistAnswer(SEED_MASTER));
  const t = await startOrigin(RENDITIONS, {
    publicBaseUrl: 'https://media.example.com',
    serve: { masterUpstream: upstream.origin, masterTrickPlay: trickPlay },
  });
  return { t, upstream };
}

describe('serve: third-party masters under /p/', () => {
  it("forwards the request's path and query to the master upstream and points every variant here", async () => {
    const { t, upstream } = await proxied(false);
    const [first, second] = await Promise.all([
      t.get(`${MANIFEST}?referrer=x&playSessionId=1`),
      t.get(`${MANIFEST}?referrer=x&playSessionId=1`),
    ]);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const text = await first.text();
    expect(await second.text()).toBe(text);
    expect(upstream.hits.get(`${MANIFEST}?referrer=x&playSessionId=1`)).toBe(1);
    const master = parseMasterPlaylist(text);
    expect(master.variants.map((v) => v.uri)).toEqual(
      Object.keys(RENDITIONS).map((p) => `https://media.example.com/i/${p}/index_0_av.m3u8`),
    );
    expect(text).toContain('PROGRAM-ID=1,BANDWIDTH=622044,RESOLUTION=854x480');
  });

  it("advertises each rendition's kfonly stream from this origin with --master-trick-play", async () => {
    const { t } = await proxied(true);
    const response = await t.get(MANIFEST);
    expect(response.status).toBe(200);
    const master = parseMasterPlaylist(await response.text());
    const iframes = master.variants.filter((v) => v.isIFrameOnly);
    expect(iframes.map((v) => v.uri)).toEqual(
      Object.keys(RENDITIONS).map((p) => `https://media.example.com/i/${p}/kfonly/index_0_av.m3u8`),
    );
    for (const iframe of iframes) {
      expect(iframe.codecs).toMatch(/^avc1\./);
      expect(iframe.resolution).toEqual({ width: 320, height: 180 });
      expect(iframe.bandwidth).toBeGreaterThan(1000);
    }
  });

  it('answers 502 for a failing upstream, passes its 404 through, and 404 without a configured one', async () => {
    const { t, upstream } = await proxied(false);
    upstream.route('/p/broken/a.m3u8', (_req, res) => res.writeHead(500).end('oops'));
    expect((await t.get('/p/broken/a.m3u8')).status).toBe(502);
    expect((await t.get('/p/unknown/a.m3u8')).status).toBe(404);
    const none = await startOrigin({});
    expect((await none.get(MANIFEST)).status).toBe(404);
  });
});
