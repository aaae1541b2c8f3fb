import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { media } from '../../helpers/bento4.js';
import { startFakeUpstream, redirectTo, fileAnswer, rangeAnswer } from '../../helpers/fake-upstream.js';
import { startOrigin } from '../../helpers/origin.js';

async function upstreamOrigin(timeoutMs = 2000, readAhead?: number) {
  const upstream = await startFakeUpstream();
  onTestFinished(() => upstream.close());
  const serve = readAhead === undefined ? {} : { serve: { readAhead } };
  const t = await startOrigin({}, { sourceRoot: null, upstream: `${upstream.origin}/library`, download: { timeoutMs }, ...serve });
  return { t, upstream };
}

const sourcesLeft = (cacheDir: string) => {
  const dir = path.join(cacheDir, '.sources');
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((n) => n.endsWith('.mp4') || n.includes('.part'))
    : [];
};

describe('serve: the remote library (--upstream)', () => {
  it("reads the moov and each segment's span by Range, never the whole file, and keeps no source copy", async () => {
    // No read-ahead: no segment is read but the one asked for (nor the first with its playlist).
    const { t, upstream } = await upstreamOrigin(2000, 0);
    const local = await startOrigin({ 'a/moov-at-end.mp4': 'moov-at-end.mp4', 'a/av.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    for (const [name, files] of [
      ['moov-at-end.mp4', ['index_0_av.m3u8', 'segment1_0_av.ts']],
      ['av.mp4', ['index_0_av.m3u8', 'segment3_0_av.ts']],
    ] as const) {
      const sent = { bytes: 0 };
      upstream.route(`/library/a/${name}`, rangeAnswer(media(name), sent));
      for (const file of files) {
        const remote = await t.get(`/i/a/${name}/${file}`);
        expect(remote.status, `${file}: ${await remote.clone().text()}`).toBe(200);
        const same = await local.get(`/i/a/${name}/${file}`);
        expect(Buffer.from(await remote.arrayBuffer()).equals(Buffer.from(await same.arrayBuffer())), file).toBe(true);
      }
      // av.mp4 has three segments: its moov and the last one's span are well under the file.
      if (name === 'av.mp4') expect(sent.bytes).toBeLessThan(0.6 * readFileSync(media(name)).length);
    }
    expect(sourcesLeft(t.cacheDir)).toEqual([]);
  });

  it('drops the rendition of a source that changed upstream instead of mixing old and new segments', async () => {
    const { t, upstream } = await upstreamOrigin();
    const sent = { bytes: 0 };
    upstream.route('/library/x.mp4', rangeAnswer(media('av.mp4'), sent));
    expect((await t.get('/i/x.mp4/index_0_av.m3u8')).status).toBe(200);
    upstream.route('/library/x.mp4', rangeAnswer(media('av-no-bframes.mp4'), sent));
    expect((await t.get('/i/x.mp4/segment2_0_av.ts')).status).toBe(404);
    expect(existsSync(path.join(t.cacheDir, 'x.mp4', 'index_0_av.m3u8'))).toBe(false);
    const again = await t.get('/i/x.mp4/index_0_av.m3u8');
    expect(again.status).toBe(200);
    expect((await t.get('/i/x.mp4/segment2_0_av.ts')).status).toBe(200);
  });

  it('from an upstream that ignores Range: one probe, then the source fetched once into the source cache', async () => {
    const { t, upstream } = await upstreamOrigin();
    upstream.route('/library/2022/av.mp4', fileAnswer(media('av.mp4')));
    const playlist = await t.get('/i/2022/av.mp4/index_0_av.m3u8');
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('x-casterpak-cache')).toBe('MISS');
    expect((await t.get('/i/2022/av.mp4/segment1_0_av.ts')).status).toBe(200);
    expect((await t.get('/i/2022/av.mp4/segment2_0_av.ts')).status).toBe(200);
    expect(upstream.hits.get('/library/2022/av.mp4')).toBe(2); // the bytes=0-0 probe (body not read) and the download
    expect(readFileSync(path.join(t.cacheDir, '.sources/2022/av.mp4')).equals(readFileSync(media('av.mp4')))).toBe(true);
  });

  it('maps upstream failures to 404, 502 and 504 and keeps nothing partial', async () => {
    const { t, upstream } = await upstreamOrigin(1500);
    upstream.route('/library/error.mp4', (_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    upstream.route('/library/short.mp4', (_req, res) => {
      res.writeHead(200, { 'content-length': 100_000, connection: 'close' });
      res.end(Buffer.alloc(1000));
    });
    upstream.route('/library/reset.mp4', (_req, res) => {
      res.writeHead(200, { 'content-length': 100_000 });
      res.write(Buffer.alloc(1000));
      setTimeout(() => res.socket?.destroy(), 50);
    });
    upstream.route('/library/slow.mp4', (_req, res) => {
      res.writeHead(200, { 'content-length': 100_000 });
      res.write(Buffer.alloc(10)); // and never ends
    });
    upstream.route('/library/away.mp4', redirectTo('http://127.0.0.2:9/library/away.mp4'));
    const expectations: Array<[string, number]> = [
      ['missing.mp4', 404],
      ['error.mp4', 502],
      ['short.mp4', 502],
      ['reset.mp4', 502],
      ['slow.mp4', 504],
      ['away.mp4', 403],
    ];
    for (const [name, status] of expectations) {
      const started = Date.now();
      const response = await t.get(`/i/${name}/index_0_av.m3u8`);
      expect(response.status, name).toBe(status);
      expect((await response.text()).length, name).toBeGreaterThan(10);
      expect(Date.now() - started, name).toBeLessThan(5000);
    }
    expect(sourcesLeft(t.cacheDir)).toEqual([]);
    expect(existsSync(path.join(t.cacheDir, 'error.mp4'))).toBe(false);
  });

  it('is refused when the upstream is down (connection refused → 502)', async () => {
    const t = await startOrigin({}, { sourceRoot: null, upstream: 'http://127.0.0.1:9/library' });
    const response = await t.get('/i/x.mp4/index_0_av.m3u8');
    expect(response.status).toBe(502);
  });
});
