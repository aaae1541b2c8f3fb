// The deployment kit is real: the systemd unit verifies and its ExecStart starts a serve that
// stops cleanly on its KillSignal within TimeoutStopSec; the cron entry is valid and its
// command prunes what it says. (nginx's configuration is exercised by nginx.test.ts and
// scale-out.test.ts.)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_DIR, resources, waitFor } from './helpers/resources.js';
import { stopChild, trackChild } from './helpers/serve-process.js';

const UNIT = path.join(REPO_DIR, 'deploy/systemd/casterpak.service');
const CRON = path.join(REPO_DIR, 'deploy/cron/casterpak-prune');
const BIN = path.join(REPO_DIR, 'bin/casterpak.js');
const res = resources();
afterAll(() => res.release());

// key → values of a unit file's [Service] section (a key may repeat).
function serviceSection(text: string): Map<string, string[]> {
  const section = /^\[Service\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? '';
  const keys = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) keys.set(match[1], [...(keys.get(match[1]) ?? []), match[2]]);
  }
  return keys;
}

describe('deploy/systemd/casterpak.service', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const service = serviceSection(unit);
  const one = (key: string) => service.get(key)?.at(-1);
  const env = () =>
    Object.fromEntries(
      (service.get('Environment') ?? []).map((value) => [value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1)]),
    );

  // systemd-analyze comes with Debian's systemd package, which .ci/run installs when it is missing.
  it('passes systemd-analyze verify without a warning', async () => {
    const result = await execa('systemd-analyze', ['verify', UNIT], { reject: false, all: true, timeout: 30_000 });
    expect(result.all).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('runs as a dedicated user, hardened, writing only to the cache, restarting on failure', () => {
    expect(one('User')).toBe('casterpak');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillSignal')).toBe('SIGTERM');
    const cacheDir = env().CASTERPAK_CACHE_DIR;
    expect(cacheDir).toBeDefined();
    expect(one('ReadWritePaths')?.split(/\s+/)).toContain(cacheDir);
    expect(one('TimeoutStopSec')).toMatch(/^\d+s$/);
  });

  it('starts serve with its ExecStart and Environment, the env file winning, and serve exits 0 on its KillSignal within TimeoutStopSec', async () => {
    const dir = res.dir('unit');
    const cacheDir = path.join(dir, 'cache');
    const library = path.join(dir, 'media');
    mkdirSync(library);
    const [node, script, ...args] = one('ExecStart')!.split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(script).toBe('/opt/casterpak/bin/casterpak.js');
    // systemd's order: Environment=, then EnvironmentFile= over it (here: the port and the log level).
    const shipped = { ...env(), CASTERPAK_CACHE_DIR: cacheDir, CASTERPAK_SOURCE_ROOT: library };
    const envFile = { CASTERPAK_PORT: '0', CASTERPAK_LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH, ...shipped, ...envFile },
    });
    trackChild(child);
    res.add('unit serve', () => stopChild(child, 'SIGKILL', 1000));
    let log = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const url = await waitFor('serve listening', () => /"msg":"listening"[^}]*"url":"(http:[^"]+)"/.exec(log)?.[1], 20_000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(log).toContain(`"sourceRoot":"${library}"`);
    expect(log).toContain(`"workers":${Number(env().CASTERPAK_WORKERS)}`);
    const limitMs = Number(one('TimeoutStopSec')!.replace('s', '')) * 1000;
    const started = Date.now();
    const exitCode = await stopChild(child, one('KillSignal') as NodeJS.Signals, limitMs + 1000);
    expect(exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(limitMs);
  });
});

describe('deploy/cron/casterpak-prune', () => {
  const lines = readFileSync(CRON, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#') && !/^[A-Z]+=/.test(l));

  it('is one /etc/cron.d entry: a valid schedule, the casterpak user, prune --older-than 2h', () => {
    expect(lines).toHaveLength(1);
    const fields = lines[0].split(/\s+/);
    const [minute, hour, day, month, weekday, user] = fields;
    for (const field of [minute, hour, day, month, weekday]) expect(field).toMatch(/^(\*|\d+)(\/\d+)?(,\d+)*$/);
    expect(user).toBe('casterpak');
    expect(lines[0]).toContain('casterpak.js prune --older-than 2h --cache-dir /var/cache/casterpak');
  });

  it('its prune command removes segments idle for more than 2 h and keeps the others', async () => {
    const cacheDir = res.dir('cron-cache');
    const rendition = path.join(cacheDir, 'a', 'x.mp4');
    mkdirSync(rendition, { recursive: true });
    const packet = Buffer.alloc(188, 0xff);
    packet[0] = 0x47;
    writeFileSync(
      path.join(rendition, 'index_0_av.m3u8'),
      '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nsegment1_0_av.ts\n#EXTINF:4,\nsegment2_0_av.ts\n#EXT-X-ENDLIST\n',
    );
    for (const name of ['segment1_0_av.ts', 'segment2_0_av.ts']) writeFileSync(path.join(rendition, name), packet);
    const old = Date.now() / 1000 - 3 * 3600;
    utimesSync(path.join(rendition, 'segment1_0_av.ts'), old, old);
    const command = /casterpak\.js (prune .*?) 2>&1/.exec(lines[0])![1].replace('/var/cache/casterpak', cacheDir);
    const result = await execa(process.execPath, [BIN, ...command.split(' ')], { reject: false, all: true, timeout: 60_000 });
    expect(result.exitCode, result.all).toBe(0);
    expect(existsSync(path.join(rendition, 'segment1_0_av.ts'))).toBe(false);
    expect(existsSync(path.join(rendition, 'segment2_0_av.ts'))).toBe(true);
  });
});
