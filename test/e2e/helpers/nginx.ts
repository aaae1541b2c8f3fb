// nginx started by the tests with deploy/nginx/casterpak.conf itself: a copy with only the
// cache and log paths, the listen port and the upstream servers substituted, included in a
// minimal main configuration that keeps every path in a temp directory.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { REPO_DIR, waitFor, type Resources } from './resources.js';
import { stopChild, trackChild } from './serve-process.js';

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
export const SITE_CONFIG = path.join(REPO_DIR, 'deploy/nginx/casterpak.conf');

export interface SiteSubstitutions {
  readonly cacheDir: string;
  readonly accessLog: string;
  readonly port: number;
  readonly upstreams: readonly string[]; // host:port of each casterpak node
}

function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`deploy/nginx/casterpak.conf no longer has ${pattern}: update the e2e substitutions`);
  return text.replace(pattern, replacement);
}

// The deployed file with test paths and ports. Throws when a line it substitutes is gone, so
// the suite cannot silently test a different configuration from the one shipped.
export function siteConfig(template: string, subs: SiteSubstitutions): string {
  let text = replaceOnce(template, /proxy_cache_path \/var\/cache\/nginx\/casterpak /, `proxy_cache_path ${subs.cacheDir} `);
  text = replaceOnce(text, /access_log \/var\/log\/nginx\/casterpak\.access\.log /, `access_log ${subs.accessLog} `);
  text = replaceOnce(text, /listen 80;/, `listen 127.0.0.1:${subs.port};`);
  const servers = /^(\s*)server 127\.0\.0\.1:\d+( [^;]*);.*\n(?:\s*server 127\.0\.0\.1:\d+[^;]*;.*\n)*/m;
  const match = servers.exec(text);
  if (!match) throw new Error('deploy/nginx/casterpak.conf has no upstream server lines');
  const lines = subs.upstreams.map((address) => `${match[1]}server ${address}${match[2]};\n`).join('');
  return text.replace(servers, lines);
}

export function mainConfig(dir: string, site: string): string {
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  return [
    // Workers run as the current user: as root nginx would switch to "nobody", which cannot
    // write the temp cache directory.
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    'events { worker_connections 512; }',
    'http {',
    '  default_type application/octet-stream;',
    `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
    `  include ${site};`,
    '}',
    '',
  ].join('\n');
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Nginx {
  readonly url: string;
  readonly dir: string;
  readonly cacheDir: string;
  errorLog(): string;
  accessLog(): string;
  // The cache file of a key: how long nginx will keep it fresh, in seconds from now. nginx
  // renames the file into place after the client may already have the last byte: waits a little.
  cacheEntry(key: string): Promise<{ validForSeconds: number } | null>;
  stop(): Promise<void>;
}

// Fields of ngx_http_file_cache_header_t (src/http/ngx_http_cache.h) on a 64-bit build:
// version (ngx_uint_t, 8 bytes), then valid_sec (time_t, 8 bytes); "KEY: <key>\n" follows.
const CACHE_HEADER_VERSION = 5;

function readCacheEntries(cacheDir: string): Map<string, { validSec: number }> {
  const entries = new Map<string, { validSec: number }>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile() && /^[0-9a-f]{32}$/.test(entry.name)) {
        const head = readFileSync(file).subarray(0, 4096);
        if (Number(head.readBigUInt64LE(0)) !== CACHE_HEADER_VERSION) throw new Error(`${file}: unknown nginx cache header version`);
        const key = /\nKEY: ([^\n]*)\n/.exec(head.toString('latin1'));
        if (key) entries.set(key[1], { validSec: Number(head.readBigInt64LE(8)) });
      }
    }
  };
  if (existsSync(cacheDir)) walk(cacheDir);
  return entries;
}

export async function startNginx(res: Resources, upstreams: readonly string[]): Promise<Nginx> {
  const dir = res.dir('nginx');
  const port = await freePort();
  const cacheDir = path.join(dir, 'cache');
  const site = path.join(dir, 'casterpak.conf');
  const accessLog = path.join(dir, 'access.log');
  const errorLog = path.join(dir, 'error.log');
  writeFileSync(site, siteConfig(readFileSync(SITE_CONFIG, 'utf8'), { cacheDir, accessLog, port, upstreams }));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, mainConfig(dir, site));
  const args = ['-p', dir, '-c', conf, '-e', errorLog];
  const globals = `pid ${path.join(dir, 'nginx.pid')};`;
  const check = await execa(NGINX, [...args, '-t', '-g', globals], { reject: false, all: true, timeout: 10_000 });
  if (check.exitCode !== 0) throw new Error(`nginx -t failed:\n${check.all}`);
  const child = spawn(NGINX, [...args, '-g', `daemon off; ${globals}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  trackChild(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stop = async () => void (await stopChild(child, 'SIGTERM'));
  res.add(`nginx ${child.pid}`, stop);
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  await waitFor(
    `nginx on port ${port} (${stderr}${read(errorLog)})`,
    () =>
      new Promise<true | undefined>((resolve) => {
        if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${read(errorLog)}`);
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(undefined));
      }),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    cacheDir,
    errorLog: () => read(errorLog),
    accessLog: () => read(accessLog),
    async cacheEntry(key) {
      const entry = await waitFor(`nginx cache entry ${key}`, () => readCacheEntries(cacheDir).get(key), 3000).catch(() => null);
      return entry ? { validForSeconds: entry.validSec - Math.floor(Date.now() / 1000) } : null;
    },
    stop,
  };
}
