// The deployment kit agrees with itself: the unit sets each value in one place (no ExecStart flag
// silently overriding its environment), nginx's upstream is the node the unit runs, and the
// README's install line puts a working `casterpak` on the PATH its cron line uses.
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from './helpers/bento4.js';
import { tempDir } from './helpers/temp-dir.js';

const read = (file: string) => readFileSync(path.join(REPO_DIR, file), 'utf8');
const unit = read('deploy/systemd/casterpak.service');
const serviceLines = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);
const unitEnv = new Map(
  serviceLines('Environment')
    .filter((v) => v.startsWith('CASTERPAK_'))
    .map((v) => v.split('=') as [string, string]),
);

describe('deploy/systemd/casterpak.service', () => {
  it('sets each value once, as a CASTERPAK_ variable the env file can replace, and no flag in ExecStart', () => {
    const names = serviceLines('Environment').map((v) => v.split('=')[0]);
    expect(new Set(names).size).toBe(names.length);
    expect([...unitEnv.keys()]).toEqual(expect.arrayContaining(['CASTERPAK_HOST', 'CASTERPAK_PORT', 'CASTERPAK_CACHE_DIR']));
    expect(serviceLines('EnvironmentFile')).toEqual(['-/etc/casterpak/casterpak.env']);
    expect(serviceLines('ExecStart')).toEqual(['/usr/bin/node /opt/casterpak/bin/casterpak.js serve']);
    expect(serviceLines('ReadWritePaths')[0].split(/\s+/)).toContain(unitEnv.get('CASTERPAK_CACHE_DIR'));
  });
});

describe('deploy/nginx/casterpak.conf', () => {
  it('sends to the node the unit runs, and only to it', () => {
    const upstream = /^upstream casterpak \{([\s\S]*?)^\}/m.exec(read('deploy/nginx/casterpak.conf'))![1];
    const servers = [...upstream.matchAll(/^\s*server (\S+)/gm)].map((m) => m[1]);
    expect(servers).toEqual([`${unitEnv.get('CASTERPAK_HOST')}:${unitEnv.get('CASTERPAK_PORT')}`]);
  });
});

describe('casterpak on the PATH', () => {
  const readme = read('README.md');
  it('the README has one install line, and its cron line runs with the PATH it sets', () => {
    const links = [...readme.matchAll(/^(?:sudo )?ln -s (\S+) (\S+)$/gm)];
    expect(links).toHaveLength(1);
    const [, target, link] = links[0];
    expect(target).toBe('/opt/casterpak/bin/casterpak.js');
    const cron = /```crontab\n([\s\S]*?)```/.exec(readme)![1];
    const cronPath = /^PATH=(.*)$/m.exec(cron)?.[1].split(':') ?? [];
    expect(cronPath).toContain(path.dirname(link));
    expect(cron).toMatch(/^\S+ \S+ \S+ \S+ \S+ casterpak prune --older-than 2h /m);
  });

  it('a link named casterpak to bin/casterpak.js runs from a directory on that PATH', () => {
    const dir = tempDir('casterpak-path-');
    symlinkSync(path.join(REPO_DIR, 'bin/casterpak.js'), path.join(dir, 'casterpak'));
    const run = spawnSync('sh', ['-c', 'casterpak --version'], {
      cwd: dir,
      env: { PATH: `${dir}:${path.dirname(process.execPath)}:/usr/bin:/bin` },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
