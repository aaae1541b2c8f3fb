// What the benches share: a free port, polling a child server until it answers, stopping a
// child, starting `casterpak serve` and nginx, and the median. (bench/run.js runs bench/*.js only.)
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { workerEnv } from '../../dist/lib/origin/serve-runner.js';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Polls until `url` answers with any HTTP status; `what()` names the child in errors.
async function waitUntilUp(url, child, what) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what()} exited with ${child.exitCode}`);
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(2000) })).arrayBuffer();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`${what()} did not start`);
}

// SIGTERM, then SIGKILL after 10 s; resolves when the child has exited.
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const send = (signal) => {
    try {
      process.kill(child.pid, signal);
    } catch {
      // gone already
    }
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => send('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    send('SIGTERM');
  });
}

// `casterpak serve` on a free port of 127.0.0.1, once /healthz answers.
export async function startServe(ctx, args) {
  const port = await freePort();
  let stderr = '';
  const serveArgs = [ctx.casterpakBin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', ...args];
  // glibc's malloc and V8's semi-spaces set as the shipped systemd unit and serve's workers set
  // them (docs/deployment.md).
  const options = { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...workerEnv(process.env) } };
  const child = spawn(process.execPath, serveArgs, options);
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  try {
    await waitUntilUp(`${url}/healthz`, child, () => `casterpak serve (${stderr.trim()})`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid, stderr: () => stderr, stop };
}

// Until serve has no packaging under way or waiting (its /metrics gauges), at most `limitMs`: a
// segment served starts read-ahead (serve.readAhead), whose mp42hls runs would share the two
// cores with the next measured request. Returns the milliseconds waited.
export async function untilIdle(url, limitMs = 10_000) {
  const started = Date.now();
  const gauge = (text, name) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
  while (Date.now() - started < limitMs) {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    if (gauge(text, 'casterpak_packaging_active') + gauge(text, 'casterpak_packaging_queue_depth') === 0) return Date.now() - started;
    await sleep(20);
  }
  throw new Error(`serve still packaging ${limitMs} ms after the warm-up`);
}

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

// nginx with one worker in `dir`, on a free port of 127.0.0.1: `http` is the directives of its
// http block besides the temp paths, `server` those of its one server besides `listen`;
// `binary` another nginx (the cold bench's nginx-vod-module build). `pid` is the master's.
export async function startNginx(dir, http, server, binary = NGINX) {
  await fs.mkdir(dir, { recursive: true });
  const port = await freePort();
  const temp = (name) => `${name}_temp_path ${path.join(dir, name)};`;
  const conf = [
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    'events { worker_connections 1024; }',
    'http {',
    `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
    ...http.map((line) => `  ${line}`),
    `  server { listen 127.0.0.1:${port}; ${server} }`,
    '}',
  ].join('\n');
  await fs.writeFile(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(binary, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${url}/`, child, () => 'nginx');
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { url, pid: child.pid, stop: () => stopChild(child) };
}
