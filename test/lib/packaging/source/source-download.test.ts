import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadToFile, type DownloadOptions } from '../../../../src/lib/packaging/source/source-download.js';
import { httpServer } from '../../../helpers/http-server.js';
import { filesUnder, tempDir } from '../../../helpers/temp-dir.js';
import { media } from '../../../helpers/bento4.js';

const BODY = readFileSync(media('av.mp4'));
const OPTIONS: DownloadOptions = { timeoutMs: 5000, maxBytes: 10 * 1024 * 1024 };

const leftovers = (dir: string) => filesUnder(dir).map((file) => path.basename(file));

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected the download to fail');
    },
    (error: { code: string; message: string }) => error,
  );
}

describe('downloadToFile', () => {
  it('streams the body to the destination and reports progress', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    });
    const dir = tempDir();
    const dest = path.join(dir, 'sources', 'show', 'x.mp4');
    const progress: number[] = [];
    const result = await downloadToFile(new URL(`${server.url}/show/x.mp4`), dest, {
      ...OPTIONS,
      onProgress: (received, total) => total === BODY.length && progress.push(received),
    });
    expect(result).toEqual({ bytes: BODY.length, finalUrl: `${server.url}/show/x.mp4` });
    expect(readFileSync(dest).equals(BODY)).toBe(true);
    expect(progress.at(-1)).toBe(BODY.length);
    expect(leftovers(dir)).toEqual(['x.mp4']); // no partial file beside it
  });

  it('accepts a chunked body without Content-Length', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200);
      res.write(BODY.subarray(0, 1000));
      res.end(BODY.subarray(1000));
    });
    const dest = path.join(tempDir(), 'x.mp4');
    await downloadToFile(new URL(`${server.url}/x.mp4`), dest, OPTIONS);
    expect(readFileSync(dest).equals(BODY)).toBe(true);
  });

  it('writes the partial file in partDir when given, and renames it into place when complete', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 5000));
      void held.then(() => res.end(BODY.subarray(5000)));
    });
    const dir = tempDir();
    const partDir = path.join(dir, '.tmp', 'run');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(partDir, { recursive: true });
    const dest = path.join(dir, '.sources', 'x.mp4');
    const download = downloadToFile(new URL(`${server.url}/x.mp4`), dest, { ...OPTIONS, partDir });
    await expect.poll(() => readdirSync(partDir)).toEqual([expect.stringMatching(/^x\.mp4\.part-\d+-[0-9a-f]{8}$/)]);
    expect(readdirSync(path.dirname(dest))).toEqual([]); // nothing that looks like the source yet
    release();
    await download;
    expect(readdirSync(partDir)).toEqual([]);
    expect(readFileSync(dest).equals(BODY)).toBe(true);
  });

  it('follows a redirect on the same origin', async () => {
    const server = await httpServer((req, res) => {
      if (req.url === '/old.mp4') {
        res.writeHead(302, { location: '/new.mp4' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    });
    const dest = path.join(tempDir(), 'x.mp4');
    const result = await downloadToFile(new URL(`${server.url}/old.mp4`), dest, OPTIONS);
    expect(result.finalUrl).toBe(`${server.url}/new.mp4`);
    expect(server.requests).toEqual(['/old.mp4', '/new.mp4']);
  });

  type Case = [
    string,
    (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, base: string) => void,
    Partial<DownloadOptions>,
    string,
    RegExp,
  ];
  const cases: Case[] = [
    ['404', (_q, res) => res.writeHead(404).end('no'), {}, 'NOT_FOUND', /^http:\/\/127\.0\.0\.1:\d+\/x\.mp4: not found upstream \(404\)$/],
    ['500', (_q, res) => res.writeHead(500).end('oops'), {}, 'UPSTREAM', /^http:\/\/127\.0\.0\.1:\d+\/x\.mp4: upstream answered 500$/],
    [
      'a body shorter than Content-Length',
      (_q, res) => {
        res.writeHead(200, { 'content-length': BODY.length });
        res.write(BODY.subarray(0, 5000), () => res.destroy());
      },
      {},
      'UPSTREAM',
      /^(http:\/\/127\.0\.0\.1:\d+\/x\.mp4: cannot fetch|upstream body ended early)/,
    ],
    [
      'a Content-Length over the size limit',
      (_q, res) => res.writeHead(200, { 'content-length': BODY.length }).end(BODY),
      { maxBytes: 1000 },
      'UPSTREAM',
      new RegExp(`^source too large: ${BODY.length} bytes > limit 1000`),
    ],
    [
      'a chunked body that grows over the size limit',
      (_q, res) => {
        res.writeHead(200);
        res.write(BODY.subarray(0, 800));
        res.end(BODY.subarray(800, 3000));
      },
      { maxBytes: 1000 },
      'UPSTREAM',
      /^source too large: over the limit of 1000 bytes/,
    ],
    [
      'an upstream that stops sending',
      (_q, res) => {
        res.writeHead(200, { 'content-length': BODY.length });
        res.write(BODY.subarray(0, 5000)); // then nothing
      },
      { timeoutMs: 400 },
      'UPSTREAM_TIMEOUT',
      /^http:\/\/127\.0\.0\.1:\d+\/x\.mp4: no complete answer within \d+ ms$/,
    ],
    [
      'an upstream that never answers',
      () => {},
      { timeoutMs: 400 },
      'UPSTREAM_TIMEOUT',
      /^http:\/\/127\.0\.0\.1:\d+\/x\.mp4: no complete answer within 400 ms$/,
    ],
    [
      'a redirect to another host',
      (_q, res, base) => res.writeHead(302, { location: base.replace('127.0.0.1', 'localhost') + '/x.mp4' }).end(),
      {},
      'FORBIDDEN_HOST',
      /^http:\/\/127\.0\.0\.1:\d+\/x\.mp4: redirect to localhost:\d+ is not allowed; refused$/,
    ],
    [
      'a redirect without Location',
      (_q, res) => res.writeHead(301).end(),
      {},
      'UPSTREAM',
      /^http:\/\/127\.0\.0\.1:\d+\/x\.mp4: redirect \(301\) without a Location/,
    ],
    [
      'a redirect loop',
      (_q, res) => res.writeHead(302, { location: '/x.mp4' }).end(),
      {},
      'UPSTREAM',
      /^http:\/\/127\.0\.0\.1:\d+\/x\.mp4: more than 5 redirects/,
    ],
  ];

  it.each(cases)('fails on %s, keeping no partial file', async (_name, handler, options, code, message) => {
    let base = '';
    const server = await httpServer((req, res) => handler(req, res, base));
    base = server.url;
    const dir = tempDir();
    const dest = path.join(dir, 'sources', 'x.mp4');
    const started = Date.now();
    const error = await failure(downloadToFile(new URL(`${server.url}/x.mp4`), dest, { ...OPTIONS, ...options }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(leftovers(dir)).toEqual([]);
  });

  it('fails with UPSTREAM when nothing listens', async () => {
    const http = await import('node:http');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as import('node:net').AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const dir = tempDir();
    const error = await failure(downloadToFile(new URL(`http://127.0.0.1:${port}/x.mp4`), path.join(dir, 'x.mp4'), OPTIONS));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toBe(`http://127.0.0.1:${port}/x.mp4: cannot fetch (ECONNREFUSED)`);
    expect(leftovers(dir)).toEqual([]);
  });

  it('stops when the caller aborts, keeping no partial file', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 5000));
    });
    const dir = tempDir();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await failure(
      downloadToFile(new URL(`${server.url}/x.mp4`), path.join(dir, 'x.mp4'), { ...OPTIONS, signal: controller.signal }),
    );
    // shutting down says nothing about the upstream: not an UPSTREAM failure to remember
    expect(error.code).toBe('CANCELLED');
    expect(leftovers(dir)).toEqual([]);
  });
});
