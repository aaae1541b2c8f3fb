import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fileLoader, httpLoader } from '../../../src/lib/trick-play/media-loader.js';
import { redirectTo, startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error('expected a rejection');
}

describe('fileLoader', () => {
  it('reads text and bytes; a missing file is NOT_FOUND naming it, a directory is USAGE', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.ts'), Buffer.from([0x47, 1, 2]));
    const loader = fileLoader();
    expect([...(await loader.bytes(pathToFileURL(path.join(dir, 'a.ts'))))]).toEqual([0x47, 1, 2]);
    mkdirSync(path.join(dir, 'd'));
    expect(await rejection(loader.text(pathToFileURL(path.join(dir, 'missing.m3u8'))))).toEqual({
      code: 'NOT_FOUND',
      message: `${path.join(dir, 'missing.m3u8')}: no such file`,
    });
    expect((await rejection(loader.text(pathToFileURL(path.join(dir, 'd'))))).code).toBe('USAGE');
  });
});

describe('httpLoader', () => {
  let upstream: FakeUpstream;
  afterEach(async () => upstream?.close());

  const limits = (origin: string, extra: { timeoutMs?: number; maxBytes?: number } = {}) => ({
    timeoutMs: extra.timeoutMs ?? 2000,
    maxBytes: extra.maxBytes ?? 1000,
    allowedOrigins: [origin],
  });

  it('GETs bytes and text from the allowed origin, following a same-origin redirect', async () => {
    upstream = await startFakeUpstream();
    upstream.route('/a.ts', (_req, res) => res.end(Buffer.from([0x47, 0, 0xff])));
    upstream.route('/moved.ts', redirectTo('/a.ts'));
    const loader = httpLoader(limits(upstream.origin));
    expect([...(await loader.bytes(new URL('/moved.ts', upstream.origin)))]).toEqual([0x47, 0, 0xff]);
    upstream.route('/p.m3u8', (_req, res) => res.end('#EXTM3U\n'));
    expect(await loader.text(new URL('/p.m3u8', upstream.origin))).toBe('#EXTM3U\n');
  });

  it('refuses other origins, also through a redirect', async () => {
    upstream = await startFakeUpstream();
    upstream.route('/away.ts', redirectTo('http://localhost:1/x.ts'));
    const loader = httpLoader(limits(upstream.origin));
    expect((await rejection(loader.bytes(new URL('http://localhost:1/x.ts')))).code).toBe('FORBIDDEN_HOST');
    expect((await rejection(loader.bytes(new URL('/away.ts', upstream.origin)))).code).toBe('FORBIDDEN_HOST');
  });

  it('maps 404 to NOT_FOUND and other statuses to UPSTREAM', async () => {
    upstream = await startFakeUpstream();
    upstream.route('/err.ts', (_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const loader = httpLoader(limits(upstream.origin));
    expect(await rejection(loader.bytes(new URL('/none.ts', upstream.origin)))).toEqual({
      code: 'NOT_FOUND',
      message: `${upstream.origin}/none.ts: not found upstream (404)`,
    });
    expect(await rejection(loader.bytes(new URL('/err.ts', upstream.origin)))).toEqual({
      code: 'UPSTREAM',
      message: `${upstream.origin}/err.ts: upstream answered 503`,
    });
  });

  it('enforces the size limit with and without Content-Length', async () => {
    upstream = await startFakeUpstream();
    upstream.route('/big.ts', (_req, res) => res.end(Buffer.alloc(2000)));
    upstream.route('/chunked.ts', (_req, res) => {
      res.write(Buffer.alloc(600));
      res.end(Buffer.alloc(600));
    });
    const loader = httpLoader(limits(upstream.origin));
    for (const p of ['/big.ts', '/chunked.ts']) {
      expect(await rejection(loader.bytes(new URL(p, upstream.origin)))).toEqual({
        code: 'UPSTREAM',
        message: `${upstream.origin}${p}: response larger than 1000 bytes; refused`,
      });
    }
  });

  it('gives UPSTREAM_TIMEOUT when the answer does not complete in time', async () => {
    upstream = await startFakeUpstream();
    upstream.route('/slow.ts', (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(10)); // then never ends
    });
    const loader = httpLoader(limits(upstream.origin, { timeoutMs: 200 }));
    const started = Date.now();
    expect((await rejection(loader.bytes(new URL('/slow.ts', upstream.origin)))).code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
