import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fakeBinDir, media, processExists, readPids, REPO_DIR } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('serve: SIGTERM', () => {
  it('stops accepting, answers the in-flight request, kills the packaging child, removes its temporary output and exits 0', async () => {
    const root = tempDir('casterpak-term-');
    const library = path.join(root, 'library');
    mkdirSync(library);
    copyFileSync(media('av.mp4'), path.join(library, 'av.mp4'));
    const pids = path.join(root, 'pids');
    const cacheDir = path.join(root, 'cache');
    const child = spawn(
      process.execPath,
      [path.join(REPO_DIR, 'bin/casterpak.js'), 'serve', '--port', '0', '--cache-dir', cacheDir, '--source-root', library, '--bento4-dir', fakeBinDir('hang')],
      { env: { ...process.env, FAKE_MP42HLS_PIDS: pids }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(log);
        if (match) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(log)));
    });
    const inflight = fetch(`${url}/i/av.mp4/index_0_av.m3u8`);
    await expect.poll(() => readPids(pids).length, { timeout: 5000 }).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const response = await inflight;
    expect(response.status).toBe(503);
    expect(await exited).toBe(0);
    // The tool's own children were killed with its process group; init reaps the orphans.
    for (const pid of readPids(pids)) await expect.poll(() => processExists(pid), { timeout: 3000, message: `pid ${pid}` }).toBe(false);
    const tmp = path.join(cacheDir, '.tmp');
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
    expect(existsSync(path.join(cacheDir, 'av.mp4'))).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('serve --prune-every', () => {
  it('prunes idle segments inside serve, keeps the playlist, and a later request regenerates the segment', async () => {
    const root = tempDir('casterpak-prune-every-');
    const library = path.join(root, 'library');
    mkdirSync(library);
    copyFileSync(media('av.mp4'), path.join(library, 'av.mp4'));
    const cacheDir = path.join(root, 'cache');
    const child = spawn(
      process.execPath,
      [path.join(REPO_DIR, 'bin/casterpak.js'), 'serve', '--port', '0', '--cache-dir', cacheDir, '--source-root', library, '--prune-every', '500ms', '--older-than', '1s'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let log = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(log);
        if (match) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(log)));
    });
    const first = await fetch(`${url}/i/av.mp4/segment1_0_av.ts`);
    const bytes = Buffer.from(await first.arrayBuffer());
    const segment = path.join(cacheDir, 'av.mp4', 'segment1_0_av.ts');
    await expect.poll(() => existsSync(segment), { timeout: 5000, interval: 100 }).toBe(false);
    expect(existsSync(path.join(cacheDir, 'av.mp4', 'index_0_av.m3u8'))).toBe(true);
    expect(log).toMatch(/"msg":"prune","removed":[1-9]/);
    const again = await fetch(`${url}/i/av.mp4/segment1_0_av.ts`);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);
    await expect.poll(async () => (await (await fetch(`${url}/metrics`)).text()).match(/casterpak_pruned_items_total (\d+)/)?.[1], { timeout: 5000 }).not.toBe('0');
  });
});
