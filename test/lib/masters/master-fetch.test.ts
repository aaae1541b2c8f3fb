import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMaster, fetchText, readMasterFile } from '../../../src/lib/masters/master-fetch.js';
import { playlistAnswer, redirectTo, startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';

const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=622044,RESOLUTION=854x480\n/i/a.mp4/index_0_av.m3u8\n';
const MEDIA = '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nsegment1_0_av.ts\n#EXT-X-ENDLIST\n';
const limits = { timeoutMs: 2000, maxBytes: 64 * 1024 };

let upstream: FakeUpstream;
let other: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  other = await startFakeUpstream();
  upstream.route('/ok.m3u8', playlistAnswer(MASTER));
  upstream.route('/media.m3u8', playlistAnswer(MEDIA));
  upstream.route('/empty.m3u8', playlistAnswer(''));
  upstream.route('/fail.m3u8', playlistAnswer('oops', 500));
  upstream.route('/gone.m3u8', playlistAnswer('gone', 404));
  upstream.route('/slow.m3u8', playlistAnswer(MASTER, 200, 1500));
  upstream.route('/html.m3u8', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<html><body>Service unavailable</body></html>');
  });
  upstream.route('/html-as-playlist.m3u8', playlistAnswer('<!DOCTYPE html><p>error</p>'));
  upstream.route('/big.m3u8', playlistAnswer(`${MASTER}${'#'.repeat(100 * 1024)}\n`));
  upstream.route('/chunked-big.m3u8', (_req, res) => {
    // No Content-Length: the limit must hold while the body streams.
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
    for (let i = 0; i < 100; i++) res.write(`# ${'x'.repeat(1022)}\n`);
    res.end();
  });
  upstream.route('/stall-body.m3u8', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
    res.write('#EXTM3U\n');
  });
  upstream.route('/hop1', redirectTo('/hop2', 301));
  upstream.route('/hop2', redirectTo('/ok.m3u8', 307));
  upstream.route('/loop', redirectTo('/loop'));
  upstream.route('/away', redirectTo(`${other.origin}/ok.m3u8`));
  upstream.route('/no-location', (_req, res) => {
    res.writeHead(302);
    res.end();
  });
  other.route('/ok.m3u8', playlistAnswer(MASTER));
});

afterAll(async () => {
  await upstream.close();
  await other.close();
});

const at = (p: string) => new URL(upstream.origin + p);

describe('fetchMaster', () => {
  it('returns the master and its final URL after redirects within the host', async () => {
    const result = await fetchMaster(at('/hop1'), { ...limits, allowedOrigins: [at('/').origin] });
    expect(result.text).toBe(MASTER);
    expect(result.finalUrl.href).toBe(at('/ok.m3u8').href);
  });

  it.each([
    ['a non-200', '/fail.m3u8', 'UPSTREAM', /answered 500/],
    ['a 404', '/gone.m3u8', 'NOT_FOUND', /not found upstream \(404\)/],
    ['an empty body', '/empty.m3u8', 'BAD_PLAYLIST', /empty body/],
    ['an HTML page (by content type)', '/html.m3u8', 'BAD_PLAYLIST', /HTML page/],
    ['an HTML page (by body)', '/html-as-playlist.m3u8', 'BAD_PLAYLIST', /HTML/],
    ['a media playlist', '/media.m3u8', 'BAD_PLAYLIST', /a media playlist, not a master playlist/],
    ['a body over the limit (Content-Length)', '/big.m3u8', 'UPSTREAM', /larger than 65536 bytes/],
    ['a streamed body over the limit', '/chunked-big.m3u8', 'UPSTREAM', /larger than 65536 bytes/],
    ['too many redirects', '/loop', 'UPSTREAM', /more than 5 redirects/],
    ['a redirect without Location', '/no-location', 'UPSTREAM', /without a Location/],
  ])('refuses %s in one line', async (_name, p, code, message) => {
    const error = await fetchMaster(at(p), limits).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).toContain(upstream.origin);
  });

  it('times out a slow answer with UPSTREAM_TIMEOUT', async () => {
    const started = Date.now();
    await expect(fetchMaster(at('/slow.m3u8'), { ...limits, timeoutMs: 200 })).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      message: expect.stringMatching(/within 200 ms/),
    });
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('times out a body that stops half way', async () => {
    await expect(fetchMaster(at('/stall-body.m3u8'), { ...limits, timeoutMs: 200 })).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('refuses a redirect to another host when hosts are restricted, without contacting it', async () => {
    const before = other.hits.get('/ok.m3u8') ?? 0;
    await expect(fetchMaster(at('/away'), { ...limits, allowedOrigins: [at('/').origin] })).rejects.toMatchObject({
      code: 'FORBIDDEN_HOST',
      message: expect.stringMatching(/redirect to 127\.0\.0\.1:\d+ is not allowed/),
    });
    expect(other.hits.get('/ok.m3u8') ?? 0).toBe(before);
  });

  it('follows a redirect to another host when hosts are not restricted', async () => {
    const result = await fetchMaster(at('/away'), limits);
    expect(result.finalUrl.origin).toBe(other.origin);
  });

  it('refuses a URL outside the allowed hosts before fetching', async () => {
    await expect(fetchText(at('/ok.m3u8'), { ...limits, allowedOrigins: ['https://example.com'] })).rejects.toMatchObject({
      code: 'FORBIDDEN_HOST',
    });
  });

  it('reports a closed port as UPSTREAM', async () => {
    const closed = await startFakeUpstream();
    await closed.close();
    await expect(fetchMaster(new URL(`${closed.origin}/a.m3u8`), limits)).rejects.toMatchObject({
      code: 'UPSTREAM',
      message: expect.stringMatching(/cannot fetch \(ECONNREFUSED\)/),
    });
  });
});

describe('readMasterFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'casterpak-master-file-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads a master and refuses other playlists and missing files', async () => {
    await writeFile(path.join(dir, 'master.m3u8'), MASTER);
    await writeFile(path.join(dir, 'media.m3u8'), MEDIA);
    expect(await readMasterFile(path.join(dir, 'master.m3u8'))).toBe(MASTER);
    await expect(readMasterFile(path.join(dir, 'media.m3u8'))).rejects.toMatchObject({ code: 'BAD_PLAYLIST' });
    await expect(readMasterFile(path.join(dir, 'nope.m3u8'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(readMasterFile(path.join(dir, 'master.m3u8'), 10)).rejects.toMatchObject({ code: 'BAD_PLAYLIST' });
    await expect(readMasterFile(dir)).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('readMasterFile and a byte order mark', () => {
  it('drops a leading BOM (RFC 8216 §4.1 forbids it)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'casterpak-master-bom-'));
    try {
      await writeFile(path.join(dir, 'bom.m3u8'), `\uFEFF${MASTER}`);
      expect(await readMasterFile(path.join(dir, 'bom.m3u8'))).toBe(MASTER);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
