// A scriptable HTTP upstream on 127.0.0.1 (port 0) for fetch, proxy and CLI tests: each path
// answers with a handler, and every request is counted.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface FakeUpstream {
  readonly origin: string;
  /** requests seen, by path (query included) */
  readonly hits: Map<string, number>;
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

export const playlistAnswer =
  (text: string, status = 200, delayMs = 0): Handler =>
  (_req, res) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/vnd.apple.mpegurl' });
      res.end(text);
    }, delayMs);
  };

export const redirectTo =
  (location: string, status = 302): Handler =>
  (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };

// A whole file with 200, whatever Range asks (a server that ignores Range, RFC 9110 §14.2).
export const fileAnswer = (file: string) => (_req: unknown, res: http.ServerResponse) => {
  const bytes = readFileSync(file);
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length });
  res.end(bytes);
};

// A static server with single byte ranges (RFC 9110 §14), counting the body bytes it sends.
export function rangeAnswer(file: string, sent: { bytes: number } = { bytes: 0 }) {
  const bytes = readFileSync(file);
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) {
      sent.bytes += bytes.length;
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), bytes.length - 1);
    sent.bytes += end - start + 1;
    res
      .writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': end - start + 1, etag: '"v1"' })
      .end(bytes.subarray(start, end + 1));
  };
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const routes = new Map<string, Handler>();
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    const handler = routes.get(url) ?? routes.get(url.split('?')[0]);
    if (handler) return handler(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    route: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
