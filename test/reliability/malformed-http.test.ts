// docs/reliability.md: 10,000 generated malformed requests (request lines, headers, line
// endings, bodies, pipelining, cut-off requests) on raw sockets against `casterpak serve` run as
// a child process: it stays up, logs no unhandled rejection or error, answers every request it
// answers with a well-formed 4xx (or 2xx for the valid requests mixed in), and its resident
// memory stays flat.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { avLibrary } from './helpers/library.js';
import { rng, type Rng } from './helpers/prng.js';
import { rssBytes, startServe } from '../helpers/serve-process.js';

const TOKENS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PATCH',
  'get',
  'G E T',
  'GET\0',
  'ÄÖÜ',
  'X'.repeat(300),
  '',
];
const TARGETS = [
  '/',
  '/healthz',
  '/i/av.mp4/index_0_av.m3u8',
  '/i/av.mp4/segment1_0_av.ts',
  '*',
  'http://evil.example/i/av.mp4/index_0_av.m3u8',
  '//evil/x',
  '/i/a b.mp4/index_0_av.m3u8',
  '/%',
  '/\x01\x02',
  '/i/av.mp4/index_0_av.m3u8#frag',
  '',
  `/${'a'.repeat(20_000)}`,
  '/metrics?x=' + '%'.repeat(100),
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.x', 'HTTP/1.1 extra', 'http/1.1', 'HTTP/11', '', 'HTTP/1.1\0'];
const EOLS = ['\r\n', '\n', '\r', '\r\r\n', '\n\r'];

const randomBytes = (r: Rng, n: number) => Buffer.from(Array.from({ length: n }, () => r.int(0, 255)));

function header(r: Rng): string {
  switch (r.int(0, 14)) {
    case 0:
      return 'Host: x';
    case 1:
      return `Content-Length: ${r.pick(['-1', '99999999999999999999', 'abc', '1, 2', ' 5', '0x10', '5'])}`;
    case 2:
      return 'Content-Length: 5\r\nContent-Length: 6';
    case 3:
      return `Transfer-Encoding: ${r.pick(['chunked', 'gzip, chunked', 'chunked, gzip', 'xchunked', 'identity'])}`;
    case 4:
      return ' folded continuation';
    case 5:
      return 'No-Colon-Here';
    case 6:
      return `Bad Name: ${r.int(0, 9)}`;
    case 7:
      return `X-Nul: a\0b`;
    case 8:
      return `${'H'.repeat(r.int(1, 20_000))}: v`;
    case 9:
      return `X-Long: ${'v'.repeat(r.int(1, 20_000))}`;
    case 10:
      return `Range: ${r.pick(['bytes=0-0', 'bytes=-', 'bytes=9999999999-', 'bytes=5-1', 'bytes=0-1,2-3', 'chars=0-1', 'bytes=' + '0-1,'.repeat(500)])}`;
    case 11:
      return `If-None-Match: ${r.pick(['*', '"x"', 'W/', '"' + 'x'.repeat(5000)])}`;
    case 12:
      return `If-Modified-Since: ${r.pick(['yesterday', 'Thu, 01 Jan 1970 00:00:00 GMT', '\u00ff\u00fe'])}`;
    case 13:
      return ':empty-name';
    default:
      return `X-${r.int(0, 999)}: ${randomBytes(r, r.int(0, 40)).toString('latin1')}`;
  }
}

// One generated request, as raw bytes. Some are valid, to check the server still answers.
function request(r: Rng): Buffer {
  const kind = r.int(0, 9);
  if (kind === 0) return randomBytes(r, r.int(1, 400));
  const eol = r.next() < 0.6 ? '\r\n' : r.pick(EOLS);
  const line = `${r.pick(TOKENS)} ${r.pick(TARGETS)} ${r.pick(VERSIONS)}`;
  const headers = Array.from({ length: r.int(0, kind === 1 ? 200 : 6) }, () => header(r));
  let text = [line, ...headers].join(eol) + eol + eol;
  if (kind === 2) text += r.pick(['5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', 'ffffffffffffffff\r\n', '0\r\n', 'hello']);
  if (kind === 3) text += `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n${line}\r\n\r\n`; // pipelined
  if (kind === 4) text = text.slice(0, r.int(0, text.length)); // cut off
  if (kind === 5) text = `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`; // valid
  return Buffer.from(text, 'latin1');
}

// Sends one request (in 1–3 chunks), half-closes, and collects whatever comes back.
function exchange(port: number, bytes: Buffer, r: Rng): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const cuts = [0, ...Array.from({ length: r.int(0, 2) }, () => r.int(0, bytes.length)).sort((a, b) => a - b), bytes.length];
    socket.on('connect', () => {
      for (let i = 0; i + 1 < cuts.length; i++) socket.write(bytes.subarray(cuts[i], cuts[i + 1]));
      socket.end();
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('close', () => resolve(data));
    socket.on('error', () => {});
    socket.setTimeout(5000, () => socket.destroy());
  });
}

describe('malformed HTTP against a serve process', () => {
  it('10,000 generated malformed requests (seed 8005): no crash, no unhandled error, no 5xx, RSS flat', { timeout: 90_000 }, async () => {
    const { library, cacheDir } = avLibrary('casterpak-malformed-');
    const serve = await startServe(['--cache-dir', cacheDir, '--source-root', library, '--segment-duration', '4', '--log-level', 'info']);
    const port = Number(new URL(serve.url).port);
    expect((await fetch(`${serve.url}/i/av.mp4/index_0_av.m3u8`)).status).toBe(200);
    const r = rng(8005);
    const statuses = new Map<string, number>();
    const run = async (count: number) => {
      for (let i = 0; i < count; i += 40) {
        const answers = await Promise.all(Array.from({ length: Math.min(40, count - i) }, () => exchange(port, request(r), r)));
        for (const answer of answers) {
          // Every answer (pipelined ones included) is a well-formed status line, never a 5xx.
          const codes = [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
          if (answer.length > 0) expect(answer.startsWith('HTTP/1.1 '), JSON.stringify(answer.slice(0, 200))).toBe(true);
          for (const code of codes) {
            statuses.set(code, (statuses.get(code) ?? 0) + 1);
            expect(Number(code) < 500, JSON.stringify(answer.slice(0, 300))).toBe(true);
          }
        }
      }
    };
    await run(1000); // warm-up: JIT, buffers, logger
    const rssBefore = rssBytes(serve.pid);
    await run(4500);
    const rssMiddle = rssBytes(serve.pid);
    await run(4500);
    const rssAfter = rssBytes(serve.pid);
    expect(serve.child.exitCode).toBeNull();
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${serve.url}/i/av.mp4/segment1_0_av.ts`)).status).toBe(200);
    const log = serve.stderr();
    expect(log).not.toMatch(/Unhandled|uncaught|"level":"error"/i);
    const growth = (rssAfter - rssBefore) / 2 ** 20;
    console.info(
      '[reliability] malformed HTTP',
      JSON.stringify(Object.fromEntries(statuses)),
      `RSS ${[rssBefore, rssMiddle, rssAfter].map((b) => (b / 2 ** 20).toFixed(1)).join(' → ')} MiB`,
    );
    expect(growth).toBeLessThan(50);
    expect(statuses.get('200') ?? 0).toBeGreaterThan(100); // the valid requests mixed in were answered
  });
});
