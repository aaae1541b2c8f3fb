import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { isSourceChanged, readHead, readRange, SourceChangedError, type RangeReadOptions } from '../../../src/lib/net/range-read.js';
import { httpServer } from '../../helpers/http-server.js';

const media = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/media/${name}`, import.meta.url)));
const AV = media('av.mp4');
const MOOV_AT_END = media('moov-at-end.mp4');

// A correct byte-range server (RFC 9110 §14): 206 with Content-Range, 416 past the end, 200 without Range.
function ranges(file: () => Uint8Array): http.RequestListener {
  return (req, res) => {
    const data = file();
    const common = { etag: '"v1"', 'last-modified': 'Sat, 01 Nov 2025 00:00:00 GMT', 'accept-ranges': 'bytes' };
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!match) return void res.writeHead(200, { ...common, 'content-length': data.length }).end(data);
    const first = Number(match[1]);
    const last = Math.min(match[2] ? Number(match[2]) : Infinity, data.length - 1);
    if (first >= data.length) return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
    res.writeHead(206, { ...common, 'content-range': `bytes ${first}-${last}/${data.length}`, 'content-length': last - first + 1 });
    res.end(data.subarray(first, last + 1));
  };
}

// Answers one scripted handler per request, the last one again once the script runs out.
function script(...steps: http.RequestListener[]): http.RequestListener {
  let seen = 0;
  return (req, res) => steps[Math.min(seen++, steps.length - 1)](req, res);
}

const status =
  (code: number): http.RequestListener =>
  (_req, res) =>
    void res.writeHead(code).end('no');
// 206 promising the whole asked range, then half of it: `chunked` ends cleanly, otherwise the socket is cut.
const shortBody =
  (file: Uint8Array, chunked: boolean): http.RequestListener =>
  (req, res) => {
    const [first, last] = (req.headers.range ?? '').slice(6).split('-').map(Number);
    const half = file.subarray(first, first + Math.floor((last - first + 1) / 2));
    res.writeHead(206, {
      'content-range': `bytes ${first}-${last}/${file.length}`,
      ...(chunked ? {} : { 'content-length': last - first + 1 }),
    });
    if (chunked) return void res.end(half);
    res.write(half, () => res.destroy());
  };

const options = (url: string, more: Partial<RangeReadOptions> = {}): RangeReadOptions => ({
  timeoutMs: 2_000,
  allowedOrigins: [url],
  retryDelayMs: 10,
  ...more,
});

describe('readRange', () => {
  it('returns exactly the asked slice, clamped at the end, with the complete length', async () => {
    const { url, requests } = await httpServer(ranges(() => AV));
    let received = 0;
    const n = AV.length;
    const cases: Array<[number, number]> = [
      [0, 16],
      [100, 5_000],
      [n - 1, n],
      [n - 10, n + 100],
      [12_345, 200_000],
    ];
    for (const [start, end] of cases) {
      const got = await readRange(
        new URL('/av.mp4', url),
        start,
        end,
        options(url, { expectedSize: n, onBytes: (bytes) => (received += bytes) }),
      );
      expect(got).toMatchObject({ kind: 'range', size: n });
      expect(got.kind === 'range' && Buffer.from(got.bytes).equals(Buffer.from(AV.subarray(start, end)))).toBe(true);
    }
    expect(received).toBe(cases.reduce((sum, [start, end]) => sum + Math.min(end, n) - start, 0));
    expect(requests).toHaveLength(cases.length);
  });

  it('refuses a range past the end (416) without retrying', async () => {
    const { url, requests } = await httpServer(ranges(() => AV));
    await expect(readRange(new URL(url), AV.length, AV.length + 10, options(url))).rejects.toMatchObject({
      code: 'UPSTREAM',
      message: `${url}/: bytes ${AV.length}-${AV.length + 9} are beyond the end of the source (${AV.length} bytes)`,
    });
    expect(requests).toHaveLength(1);
  });

  it('reports a source whose size changed (206 or 416) as SourceChangedError, not retried', async () => {
    let current = AV;
    const { url, requests } = await httpServer(ranges(() => current));
    const head = await readHead(new URL(url), options(url));
    expect(head).toEqual({ size: AV.length, rangeSupported: true, etag: '"v1"', lastModified: 'Sat, 01 Nov 2025 00:00:00 GMT' });
    current = MOOV_AT_END;
    const pinned = options(url, { expectedSize: head.size });
    const changed = await readRange(new URL(url), 0, 100, pinned).catch((error: unknown) => error);
    expect(changed).toBeInstanceOf(SourceChangedError);
    expect(isSourceChanged(changed)).toBe(true);
    expect(changed).toMatchObject({
      code: 'UPSTREAM',
      size: MOOV_AT_END.length,
      expected: AV.length,
      message: `${url}/: source changed upstream (size ${MOOV_AT_END.length}, expected ${AV.length})`,
    });
    const past = await readRange(new URL(url), 200_000, 200_100, pinned).catch((error: unknown) => error);
    expect(isSourceChanged(past)).toBe(true);
    expect(requests).toHaveLength(3);
  });

  it('retries a short read and succeeds when the next attempt is whole', async () => {
    const { url, requests } = await httpServer(
      script(
        shortBody(AV, true),
        ranges(() => AV),
      ),
    );
    const got = await readRange(new URL(url), 1_000, 60_000, options(url));
    expect(got.kind === 'range' && Buffer.from(got.bytes).equals(Buffer.from(AV.subarray(1_000, 60_000)))).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it.each([
    ['ends early', true, /short read \(29500 of 59000 bytes of 1000-59999\) \(3 attempts\)$/],
    ['is cut off', false, /cannot fetch .* \(3 attempts\)$/],
  ])('fails with UPSTREAM after the retries when the body always %s', async (_name, chunked, message) => {
    const { url, requests } = await httpServer(shortBody(AV, chunked));
    await expect(readRange(new URL(url), 1_000, 60_000, options(url))).rejects.toMatchObject({
      code: 'UPSTREAM',
      message: expect.stringMatching(message),
    });
    expect(requests).toHaveLength(3);
  });

  it('retries 5xx, 408 and 429, then reads the range', async () => {
    const { url, requests } = await httpServer(
      script(
        status(503),
        status(408),
        status(429),
        ranges(() => AV),
      ),
    );
    const got = await readRange(new URL(url), 0, 8, options(url, { retries: 3 }));
    expect(got.kind === 'range' && Buffer.from(got.bytes).equals(Buffer.from(AV.subarray(0, 8)))).toBe(true);
    expect(requests).toHaveLength(4);
    const again = await httpServer(status(500));
    await expect(readRange(new URL(again.url), 0, 8, options(again.url, { retries: 1 }))).rejects.toMatchObject({
      code: 'UPSTREAM',
      message: `${again.url}/: upstream answered 500 (2 attempts)`,
    });
    expect(again.requests).toHaveLength(2);
  });

  it('does not retry 404 (NOT_FOUND) or 403', async () => {
    const missing = await httpServer(status(404));
    await expect(readRange(new URL(missing.url), 0, 8, options(missing.url))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.requests).toHaveLength(1);
    const forbidden = await httpServer(status(403));
    await expect(readRange(new URL(forbidden.url), 0, 8, options(forbidden.url))).rejects.toMatchObject({
      code: 'UPSTREAM',
      message: `${forbidden.url}/: upstream answered 403`,
    });
    expect(forbidden.requests).toHaveLength(1);
  });

  it('refuses a redirect to another origin (FORBIDDEN_HOST), contacting nothing there', async () => {
    const elsewhere = await httpServer(ranges(() => AV));
    const { url, requests } = await httpServer((_req, res) => void res.writeHead(302, { location: `${elsewhere.url}/av.mp4` }).end());
    await expect(readRange(new URL(url), 0, 8, options(url))).rejects.toMatchObject({ code: 'FORBIDDEN_HOST' });
    expect(requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('gives up on a hanging server with UPSTREAM_TIMEOUT, each attempt within the limit', async () => {
    const { url, requests } = await httpServer(() => undefined);
    const started = Date.now();
    await expect(readRange(new URL(url), 0, 8, options(url, { timeoutMs: 200, retries: 1 }))).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(requests).toHaveLength(2);
  });
});

describe('a server that ignores Range', () => {
  // Streams the whole file slowly with 200, counting what it wrote before the client hung up.
  async function ignoring() {
    const seen = { written: 0, closed: 0 };
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': AV.length });
      res.on('close', () => seen.closed++);
      const next = () => {
        if (res.destroyed || seen.written >= AV.length) return void res.end();
        const chunk = AV.subarray(seen.written, seen.written + 4_096);
        seen.written += chunk.length;
        res.write(chunk, () => setTimeout(next, 5));
      };
      next();
    });
    return { ...server, seen };
  }

  it('is reported (ignored / rangeSupported false) without reading the body', async () => {
    const { url, seen } = await ignoring();
    let received = 0;
    const opts = options(url, { onBytes: (n) => (received += n) });
    expect(await readRange(new URL(url), 100, 200, opts)).toEqual({ kind: 'ignored', size: AV.length });
    expect(await readHead(new URL(url), opts)).toEqual({ size: AV.length, rangeSupported: false, etag: null, lastModified: null });
    for (let i = 0; i < 200 && seen.closed < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.closed).toBe(2); // the client hung up on each of the two answers
    expect(seen.written).toBeLessThan(AV.length);
    expect(received).toBe(0);
  });

  it('pins a strong ETag with If-Match: a 412 is a changed source; a weak one is never sent (RFC 9110 §13.1.1)', async () => {
    let etag = '"v1"';
    const asked: Array<string | undefined> = [];
    const { url } = await httpServer((req, res) => {
      asked.push(req.headers['if-match'] as string | undefined);
      const stale = req.headers['if-match'] !== undefined && req.headers['if-match'] !== etag;
      if (stale) return void res.writeHead(412).end();
      res.writeHead(206, { etag, 'content-range': `bytes 0-9/${AV.length}`, 'content-length': 10 }).end(AV.subarray(0, 10));
    });
    expect((await readRange(new URL(url), 0, 10, options(url, { expectedEtag: '"v1"' }))).kind).toBe('range');
    etag = '"v2"';
    const changed = await readRange(new URL(url), 0, 10, options(url, { expectedEtag: '"v1"' })).catch((error: unknown) => error);
    expect(isSourceChanged(changed)).toBe(true);
    expect(String(changed)).toContain('ETag');
    await readRange(new URL(url), 0, 10, options(url, { expectedEtag: 'W/"v2"' }));
    expect(asked).toEqual(['"v1"', '"v1"', undefined]);
  });
});
