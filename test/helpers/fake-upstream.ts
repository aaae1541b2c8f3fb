// A scriptable HTTP upstream on 127.0.0.1 (port 0) for fetch, proxy and CLI tests: each path
// answers with a handler, and every request is counted.
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
