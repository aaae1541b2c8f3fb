import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { media } from '../helpers/bento4.js';
import { startFakeUpstream, redirectTo } from '../helpers/fake-upstream.js';
import { startOrigin } from '../helpers/origin.js';

async function upstreamOrigin(timeoutMs = 2000) {
  const upstream = await startFakeUpstream();
  onTestFinished(() => upstream.close());
  const t = await startOrigin({}, { sourceRoot: null, upstream: `${upstream.origin}/library`, download: { timeoutMs } });
  return { t, upstream };
}

const fileAnswer = (file: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
  const bytes = readFileSync(file);
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length });
  res.end(bytes);
};

const sourcesLeft = (cacheDir: string) => {
  const dir = path.join(cacheDir, '.sources');
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).filter((n) => n.endsWith('.mp4') || n.includes('.part')) : [];
};

describe('serve: the remote library (--upstream)', () => {
  it('fetches a source once into the source cache, packages and serves it', async () => {
    const { t, upstream } = await upstreamOrigin();
    upstream.route('/library/2022/av.mp4', fileAnswer(media('av.mp4')));
    const playlist = await t.get('/i/2022/av.mp4/index_0_av.m3u8');
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('x-casterpak-cache')).toBe('MISS');
    expect((await t.get('/i/2022/av.mp4/segment1_0_av.ts')).status).toBe(200);
    expect(upstream.hits.get('/library/2022/av.mp4')).toBe(1);
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
