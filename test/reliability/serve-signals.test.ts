// docs/reliability.md, promise 10: what an operator's signals and a slow client's headers do to
// `casterpak serve` run as a child process. SIGTERM lets a download under way finish (within
// serve.shutdownGraceMs) and refuses new connections; SIGHUP is ignored, with --workers too;
// headers sent slower than serve.headersTimeoutMs get 408.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServe, waitFor } from '../helpers/serve-process.js';
import { MIB, connect, getRequest, publishedSegment, readSlowly, readToClose, sleep } from './helpers/raw-clients.js';

// Larger than what the kernel's socket buffers take (tcp_wmem's 4 MiB and the client's receive
// buffer): most of it is still in the server when the signal comes.
const SEGMENT_BYTES = 12 * MIB;

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => resolve(socket.destroy() && false));
    socket.once('error', () => resolve(true));
  });

const healthy = async (url: string) => (await fetch(`${url}/healthz`)).status === 200;

describe('serve and signals', () => {
  it(
    'SIGTERM while a slow client downloads a 12 MiB segment: the download finishes whole, new connections are refused, exit 0',
    { timeout: 40_000 },
    async () => {
      const segment = publishedSegment(SEGMENT_BYTES);
      const serve = await startServe(['--published-root', segment.root, '--access-log', 'off', '--shutdown-grace', '20s']);
      const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
        serve.child.once('exit', (code) => resolve({ code, at: Date.now() })),
      );
      const socket = await connect(serve.url);
      socket.write(getRequest(segment.path, 'Connection: close\r\n'));
      const head = await readSlowly(socket, 2 * MIB, 300);
      const signalledAt = Date.now();
      serve.child.kill('SIGTERM');
      await waitFor(() => refused(serve.url), 2_000, 'the port closed to new connections');
      // 12 MiB at 2 MiB/s: the download outlives a shutdown that would not wait for it.
      const rest = await readSlowly(socket, 2 * MIB, 15_000);
      const doneAt = Date.now();
      const answer = Buffer.concat([head, rest]);
      const headerEnd = answer.indexOf('\r\n\r\n');
      expect(answer.subarray(0, headerEnd).toString()).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(answer.length - headerEnd - 4).toBe(SEGMENT_BYTES);
      expect(doneAt - signalledAt).toBeGreaterThan(1500);
      const exit = await exited;
      expect(exit.code).toBe(0);
      // It waited for the response, not for the client's last read (the kernel holds the tail).
      expect(exit.at - signalledAt).toBeGreaterThan(1000);
      console.log(`SIGTERM: download finished ${doneAt - signalledAt} ms after the signal, exit ${exit.at - signalledAt} ms after it`);
    },
  );

  it('SIGTERM with nothing under way exits at once', { timeout: 20_000 }, async () => {
    const serve = await startServe(['--access-log', 'off', '--shutdown-grace', '20s']);
    expect(await healthy(serve.url)); // leaves an idle keep-alive connection behind
    const begin = Date.now();
    expect(await serve.stop()).toBe(0);
    expect(Date.now() - begin).toBeLessThan(2000);
  });

  it.each([
    ['alone', []],
    ['with --workers 2', ['--workers', '2']],
  ])('SIGHUP to the process group (%s): ignored, every process stays, the port stays open', { timeout: 30_000 }, async (_label, extra) => {
    const serve = await startServe(['--access-log', 'off', ...extra]);
    const workers = serve.workers();
    expect(workers.length).toBe(extra.length ? 2 : 0);
    const listening = () => serve.stderr().split('"listening"').length - 1;
    await waitFor(() => listening() >= Math.max(1, workers.length), 10_000, 'every process listening');
    process.kill(-serve.pid, 'SIGHUP');
    await sleep(1000);
    expect(serve.child.exitCode).toBeNull();
    expect(serve.workers().sort()).toEqual(workers.sort());
    expect(await healthy(serve.url)).toBe(true);
    expect(serve.stderr()).toContain('SIGHUP ignored');
    expect(await serve.stop()).toBe(0);
  });

  it('slowloris: headers sent slower than --headers-timeout get 408 and the connection closed', { timeout: 20_000 }, async () => {
    const serve = await startServe(['--access-log', 'off', '--headers-timeout', '1s']);
    const socket = await connect(serve.url);
    const begin = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    const answer = (await readToClose(socket)).toString();
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(Date.now() - begin).toBeLessThan(5000);
  });
});
