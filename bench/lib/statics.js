// The remote library of the cold bench: a static HTTP server with Range support over a directory,
// which counts the bytes it sent per request path. nginx (one worker) when installed, else a
// small Node server.
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { NGINX, sleep, startNginx } from './processes.js';

// nginx (one worker, sendfile, Range by default) with an access log of the bytes each request
// sent; `bytesSent(prefix)` sums $body_bytes_sent of the requests under a path prefix.
async function startNginxLogged(dir, root) {
  const log = path.join(dir, 'access.log');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(log, '');
  const http = [
    "log_format sent '$status $body_bytes_sent $request_uri';",
    `access_log ${log} sent;`,
    'sendfile on; default_type application/octet-stream;',
  ];
  const { url, stop } = await startNginx(dir, http, `root ${root};`);
  return {
    kind: 'nginx 1 worker',
    url,
    async bytesSent(prefix) {
      await sleep(300); // a request the client dropped is logged when nginx notices
      let total = 0;
      for (const line of (await fs.readFile(log, 'utf8')).split('\n')) {
        const [status, bytes, uri] = line.split(' ');
        if (uri?.startsWith(prefix) && status) total += Number(bytes) || 0;
      }
      return total;
    },
    stop,
  };
}

// Without nginx: GET/HEAD of files under `root`, one byte range (bytes=a-b, a-, -n), counting the
// bytes written per request path.
async function startNodeStatic(root) {
  const sent = new Map();
  const server = http.createServer(async (req, res) => {
    const uri = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, path.normalize(uri));
    let stat;
    try {
      if (!file.startsWith(root + path.sep)) throw new Error('outside');
      stat = await fs.stat(file);
      if (!stat.isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = stat.size - 1;
    let status = 200;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2])) {
      if (range[1]) {
        start = Number(range[1]);
        if (range[2]) end = Math.min(end, Number(range[2]));
      } else {
        start = Math.max(0, stat.size - Number(range[2]));
      }
      if (start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${stat.size}` }).end();
        return;
      }
      status = 206;
    }
    const headers = {
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      'Last-Modified': stat.mtime.toUTCString(),
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${stat.size}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    stream.on('data', (chunk) => sent.set(uri, (sent.get(uri) ?? 0) + chunk.length));
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    kind: 'Node static server',
    url: `http://127.0.0.1:${server.address().port}`,
    async bytesSent(prefix) {
      await sleep(300);
      let total = 0;
      for (const [uri, bytes] of sent) if (uri.startsWith(prefix)) total += bytes;
      return total;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// The library `root` over HTTP on 127.0.0.1: { kind, url, bytesSent(prefix), stop() }.
export async function startStatics(dir, root) {
  return existsSync(NGINX) ? startNginxLogged(dir, root) : startNodeStatic(root);
}
