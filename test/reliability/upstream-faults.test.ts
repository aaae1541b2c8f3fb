// docs/reliability.md: a local HTTP server as the remote library (--upstream) and as the master
// upstream (--master-upstream, the /p/ route) fails in every way a network can: refused,
// reset mid-body, short of its Content-Length, never ending, redirecting to another host,
// too large. Each request gets the right status (502/504/4xx) within its time limit, nothing
// partial is kept (.sources/, renditions, .tmp/, the master cache), and once the upstream is
// healthy again the same URLs answer 200.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { media } from '../helpers/bento4.js';
import { startFakeUpstream, type Handler } from '../helpers/fake-upstream.js';
import { startOrigin } from '../helpers/origin.js';
import { errorAnswerProblem, get, renditionError } from './helpers/validate.js';

const DOWNLOAD_TIMEOUT_MS = 1500;
const MASTER_TIMEOUT_MS = 10_000; // serve's master proxy limit (server.ts)
const MAX_BYTES = 1024 * 1024;
const TIME_LIMIT = /within \d+ ms|time limit/; // how a fired time limit is worded (net/http-get.ts)
const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=320x180\nhttps://cdn.example/i/2022/av.mp4/index_0_av.m3u8\n';

const good =
  (bytes: Buffer | string, type: string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(bytes) });
    res.end(bytes);
  };
const FAULTS: Record<string, Handler> = {
  reset: (_req, res) => {
    res.writeHead(200, { 'content-length': 100_000 });
    res.write(Buffer.alloc(1000, 0x23));
    setTimeout(() => res.socket?.resetAndDestroy(), 50);
  },
  short: (_req, res) => {
    res.writeHead(200, { 'content-length': 100_000, connection: 'close' });
    res.end(Buffer.alloc(1000, 0x23));
  },
  endless: (_req, res) => {
    res.writeHead(200, { 'content-length': 100_000 });
    res.write(Buffer.alloc(10, 0x23)); // and never more
  },
  silent: () => {}, // accepts, never answers
  away: (_req, res) => {
    res.writeHead(302, { location: 'http://127.0.0.2:9/elsewhere' });
    res.end();
  },
  huge: (_req, res) => {
    res.writeHead(200, { 'content-length': 2 * MAX_BYTES });
    res.end(Buffer.alloc(2 * MAX_BYTES, 0x23));
  },
  hugeChunked: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
    res.write('#EXTM3U\n');
    res.end(Buffer.alloc(2 * MAX_BYTES, 0x23));
  },
  error: (_req, res) => {
    res.writeHead(503);
    res.end('busy');
  },
};
// Library: [fault, status]; masters: the same faults through /p/.
const LIBRARY: Record<string, number> = {
  reset: 502,
  short: 502,
  endless: 504,
  silent: 504,
  away: 403,
  huge: 502,
  hugeChunked: 502,
  error: 502,
};
const MASTERS: Record<string, number> = {
  reset: 502,
  short: 502,
  endless: 504,
  silent: 504,
  away: 403,
  huge: 502,
  hugeChunked: 502,
  error: 502,
};

// Files in the cache, casterpak's lock bookkeeping aside (.locks/ keeps remembered failures).
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((n) => !n.startsWith('.locks') && statSync(path.join(dir, n)).isFile());
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('upstream faults', () => {
  it('refused connections: 502 at once, for the library and for masters', async () => {
    const port = await closedPort();
    const t = await startOrigin(
      {},
      { sourceRoot: null, upstream: `http://127.0.0.1:${port}/library`, serve: { masterUpstream: `http://127.0.0.1:${port}` } },
    );
    for (const url of [`${t.url}/i/x.mp4/index_0_av.m3u8`, `${t.url}/p/1/sp/100/playManifest/entryId/x/a.m3u8`]) {
      const answer = await get(url);
      expect(answer.status, url).toBe(502);
      expect(errorAnswerProblem(answer), url).toBeNull();
      expect(answer.body.toString(), url).toMatch(/ECONNREFUSED|fetch failed|download failed/);
      // "At once" is the cause, not a stopwatch (other tests share the cores): the refusal
      // answered, no time limit had to fire.
      expect(answer.body.toString(), url).not.toMatch(TIME_LIMIT);
    }
    expect(listFiles(t.cacheDir)).toEqual([]);
  });

  it(
    'every other fault: the right status within the limit, nothing partial kept, healthy again afterwards',
    { timeout: 40_000 },
    async () => {
      const upstream = await startFakeUpstream();
      onTestFinished(() => upstream.close());
      const t = await startOrigin(
        {},
        {
          sourceRoot: null,
          upstream: `${upstream.origin}/library`,
          download: { timeoutMs: DOWNLOAD_TIMEOUT_MS, maxBytes: MAX_BYTES },
          serve: { masterUpstream: upstream.origin, failureTtlMs: 1000 },
        },
      );
      for (const fault of Object.keys(FAULTS)) {
        upstream.route(`/library/${fault}.mp4`, FAULTS[fault]);
        upstream.route(`/p/${fault}/a.m3u8`, FAULTS[fault]);
      }
      const timed = async (url: string, limitMs: number, status: number, what: string) => {
        const started = Date.now();
        const answer = await get(url);
        const elapsed = Date.now() - started;
        const body = answer.body.toString().trim();
        expect(answer.status, `${what}: ${body}`).toBe(status);
        expect(errorAnswerProblem(answer), what).toBeNull();
        // The cause, not a wall-clock bound (workers share the cores): a 504 is that request's own
        // limit firing, and every other fault is answered before any limit fires.
        // (a download's limit is shared among its attempts).
        if (status === 504) {
          const [, ms, attempts] = /within (\d+) ms(?: \((\d+) attempts\))?/.exec(body) ?? [];
          expect(Number(ms) * Number(attempts ?? 1), `${what}: ${body}`).toBe(limitMs);
        } else expect(body, what).not.toMatch(TIME_LIMIT);
        return elapsed;
      };
      const elapsed = await Promise.all([
        ...Object.entries(LIBRARY).map(([fault, status]) =>
          timed(`${t.url}/i/${fault}.mp4/index_0_av.m3u8`, DOWNLOAD_TIMEOUT_MS, status, `library ${fault}`),
        ),
        ...Object.entries(MASTERS).map(([fault, status]) =>
          timed(`${t.url}/p/${fault}/a.m3u8`, MASTER_TIMEOUT_MS, status, `master ${fault}`),
        ),
      ]);
      // Nothing partial: no source copy (nor .part), no rendition, no temporary directory.
      expect(listFiles(t.cacheDir)).toEqual([]);
      // The upstream heals: the same URLs now answer 200 with complete content.
      for (const fault of Object.keys(FAULTS)) {
        upstream.route(`/library/${fault}.mp4`, good(readFileSync(media('av.mp4')), 'video/mp4'));
        upstream.route(`/p/${fault}/a.m3u8`, good(MASTER, 'application/vnd.apple.mpegurl'));
      }
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past failureTtlMs and the master error memory
      for (const fault of Object.keys(FAULTS)) {
        const indexUrl = `${t.url}/i/${fault}.mp4/index_0_av.m3u8`;
        const answer = await get(indexUrl);
        expect(answer.status, fault).toBe(200);
        expect(await renditionError(indexUrl, answer), fault).toBeNull();
        expect(readFileSync(path.join(t.cacheDir, '.sources', `${fault}.mp4`)).equals(readFileSync(media('av.mp4'))), fault).toBe(true);
        const master = await get(`${t.url}/p/${fault}/a.m3u8`);
        expect(master.status, fault).toBe(200);
        expect(master.body.toString(), fault).toContain('/i/2022/av.mp4/index_0_av.m3u8');
      }
      console.info('[reliability] upstream faults, slowest answer ms', Math.max(...elapsed));
    },
  );
});
