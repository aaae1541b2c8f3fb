import net from 'node:net';
import { mkdirSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { media } from '../../helpers/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOTS';

// Raw request over a socket: fetch() would normalise the very paths under test.
function rawGet(url: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve({ status: Number(data.slice(9, 12)), body: data }));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
  });
}

async function hostileOrigin() {
  const outside = tempDir('casterpak-outside-');
  writeFileSync(path.join(outside, 'secret.mp4'), SECRET);
  copyFileSync(media('av.mp4'), path.join(outside, 'outside.mp4'));
  mkdirSync(path.join(outside, 'dir'));
  writeFileSync(path.join(outside, 'dir', 'stream.m3u8'), `#EXTM3U\n#${SECRET}\n`);
  const published = tempDir('casterpak-published-');
  const t = await startOrigin({ 'ok/av.mp4': 'av.mp4' }, { publishedRoot: published });
  // Symlinks planted inside the roots that point outside them.
  symlinkSync(path.join(outside, 'outside.mp4'), path.join(t.sourceRoot, 'link.mp4'));
  symlinkSync(outside, path.join(t.sourceRoot, 'linkdir'));
  symlinkSync(path.join(outside, 'dir'), path.join(published, 'linked'));
  return { t, outside };
}

describe('serve: hostile request paths', () => {
  it('never serves a byte from outside the roots for known traversal payloads', async () => {
    const { t } = await hostileOrigin();
    const payloads = [
      '/i/../secret.mp4/index_0_av.m3u8',
      '/i/ok/../../secret.mp4/index_0_av.m3u8',
      '/i/%2e%2e/%2e%2e/secret.mp4/index_0_av.m3u8',
      '/i/ok/..%2f..%2fsecret.mp4/index_0_av.m3u8',
      '/i/%252e%252e/secret.mp4/index_0_av.m3u8',
      '/i/..%5c..%5csecret.mp4/index_0_av.m3u8',
      '/i/ok\\..\\..\\secret.mp4/index_0_av.m3u8',
      '/i/secret.mp4%00/index_0_av.m3u8',
      '/i/%c0%ae%c0%ae/secret.mp4/index_0_av.m3u8',
      '/i/link.mp4/index_0_av.m3u8',
      '/i/linkdir/outside.mp4/index_0_av.m3u8',
      '/i/linkdir/secret.mp4/index_0_av.m3u8',
      '/hls/linked/stream.m3u8',
      '/hls/../dir/stream.m3u8',
      '/hls/linked/kfonly/stream.m3u8',
      '//etc/passwd',
      `/i/${'a'.repeat(5000)}.mp4/index_0_av.m3u8`,
    ];
    for (const target of payloads) {
      const { status, body } = await rawGet(t.url, target);
      expect([400, 403, 404, 414], target).toContain(status);
      expect(body, target).not.toContain(SECRET);
    }
    expect((await t.get('/i/ok/av.mp4/index_0_av.m3u8')).status).toBe(200);
  });

  it('answers 1,000 generated hostile paths with 400/403/404/414 only and stays up', async () => {
    const { t } = await hostileOrigin();
    const pieces = [
      '..',
      '.',
      '%2e%2e',
      '%2E%2e',
      '%252e%252e',
      '..%2f',
      '%2f',
      '%5c',
      '\\',
      '%00',
      '%c0%ae',
      '%e0%80%ae',
      'secret.mp4',
      'link.mp4',
      'linkdir',
      'ok',
      'av.mp4',
      'index_0_av.m3u8',
      'segment1_0_av.ts',
      'kfonly',
      '',
      '%',
      '%zz',
      'a'.repeat(300),
    ];
    const pathArb = fc
      .tuple(
        fc.constantFrom('/i/', '/hls/', '/', '/p/'),
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('/index_0_av.m3u8', '/segment1_0_av.ts', '/master.m3u8', '', '/kfonly/index_0_av.m3u8'),
      )
      .map(([area, parts, file]) => area + parts.join('/') + file)
      .filter((p) => !p.startsWith('/p/'));
    const samples = fc.sample(pathArb, { numRuns: 1000, seed: 20261121 });
    const statuses = new Map<number, number>();
    for (let i = 0; i < samples.length; i += 25) {
      const batch = await Promise.all(samples.slice(i, i + 25).map((p) => rawGet(t.url, p).then((r) => ({ ...r, p }))));
      for (const { status, body, p } of batch) {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(body, p).not.toContain(SECRET);
        // A generated path may also name the legitimate rendition (e.g. /i/ok/av.mp4/…): 200 is fine there.
        if (status === 200) expect(p, p).toMatch(/^\/i\/ok\/av\.mp4\//);
        else expect([400, 403, 404, 414], p).toContain(status);
      }
    }
    expect(samples.length).toBe(1000);
    expect((await t.get('/healthz')).status).toBe(200);
  });

  it('answers malformed HTTP with 400 and keeps serving', async () => {
    const { t } = await hostileOrigin();
    const { hostname, port } = new URL(t.url);
    const garbage = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      `GET /${'x'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      `GET / HTTP/1.1\r\nX: ${'y'.repeat(20_000)}\r\n\r\n`,
    ];
    for (const request of garbage) {
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(port), hostname, () => socket.write(request));
        let data = '';
        socket.on('data', (c) => (data += c));
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
        socket.setTimeout(5000, () => socket.destroy());
      });
      expect(answer.slice(0, 12)).toMatch(/^HTTP\/1\.1 4(00|31|14)/);
    }
    expect((await t.get('/healthz')).status).toBe(200);
  });
});
