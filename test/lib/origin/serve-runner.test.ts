import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeBinDir, media, processExists, readPids } from '../../helpers/bento4.js';
import { startServe } from '../../helpers/serve-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { heapGrowthUnderLoad, TIGHT_GROWTH, V8_OWN_GROWTH, workerEnv } from '../../../src/lib/origin/serve-runner.js';

function library(): { root: string; library: string; cacheDir: string } {
  const root = tempDir('casterpak-serve-');
  const dir = path.join(root, 'library');
  mkdirSync(dir);
  copyFileSync(media('av.mp4'), path.join(dir, 'av.mp4'));
  return { root, library: dir, cacheDir: path.join(root, 'cache') };
}

describe('serve: SIGTERM', () => {
  it('stops accepting, answers the in-flight request, kills the packaging child, removes its temporary output and exits 0', async () => {
    const { root, library: source, cacheDir } = library();
    const pids = path.join(root, 'pids');
    const serve = await startServe(['--cache-dir', cacheDir, '--source-root', source, '--bento4-dir', fakeBinDir('hang')], {
      FAKE_MP42HLS_PIDS: pids,
    });
    const inflight = fetch(`${serve.url}/i/av.mp4/index_0_av.m3u8`);
    await expect.poll(() => readPids(pids).length, { timeout: 5000 }).toBeGreaterThan(0);
    const exited = serve.stop();
    const response = await inflight;
    expect(response.status).toBe(503);
    expect(await exited).toBe(0);
    // The tool's own children were killed with its process group; init reaps the orphans.
    for (const pid of readPids(pids)) await expect.poll(() => processExists(pid), { timeout: 3000, message: `pid ${pid}` }).toBe(false);
    const tmp = path.join(cacheDir, '.tmp');
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
    expect(existsSync(path.join(cacheDir, 'av.mp4'))).toBe(false);
    await expect(fetch(`${serve.url}/healthz`)).rejects.toThrow();
  });
});

describe('serve --prune-every', () => {
  it('prunes idle segments inside serve, keeps the playlist, and a later request regenerates the segment', async () => {
    const { library: source, cacheDir } = library();
    const serve = await startServe(['--cache-dir', cacheDir, '--source-root', source, '--prune-every', '500ms', '--older-than', '1s']);
    const first = await fetch(`${serve.url}/i/av.mp4/segment1_0_av.ts`);
    const bytes = Buffer.from(await first.arrayBuffer());
    const segment = path.join(cacheDir, 'av.mp4', 'segment1_0_av.ts');
    // The pass logs after its deletions, and the line reaches this process through a pipe some
    // time after the file is gone: wait for the line, then the file must be gone already.
    await expect.poll(() => serve.stderr(), { timeout: 5000, interval: 100 }).toMatch(/"msg":"prune","removed":[1-9]/);
    expect(existsSync(segment)).toBe(false);
    expect(existsSync(path.join(cacheDir, 'av.mp4', 'index_0_av.m3u8'))).toBe(true);
    const again = await fetch(`${serve.url}/i/av.mp4/segment1_0_av.ts`);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);
    await expect
      .poll(async () => (await (await fetch(`${serve.url}/metrics`)).text()).match(/casterpak_pruned_items_total (\d+)/)?.[1], {
        timeout: 5000,
      })
      .not.toBe('0');
  });
});

describe('serve --workers: what the workers read when they start', () => {
  const workerEnvs = (pid: number) =>
    readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((child) => readFileSync(`/proc/${child}/environ`, 'utf8').split('\0'));

  it('each worker starts with MALLOC_MMAP_THRESHOLD_=65536 and a 4 MiB semi-space unless the operator set them', async () => {
    const { library: source, cacheDir } = library();
    // NODE_OPTIONS pinned empty: the test runner's own would be kept.
    const serve = await startServe(['--cache-dir', cacheDir, '--source-root', source, '--workers', '2'], { NODE_OPTIONS: '' });
    await expect.poll(() => workerEnvs(serve.pid).length, { timeout: 5000 }).toBe(2);
    for (const env of workerEnvs(serve.pid)) {
      expect(env).toContain('MALLOC_MMAP_THRESHOLD_=65536');
      expect(env).toContain('NODE_OPTIONS=--max-semi-space-size=4');
    }
    const primary = readFileSync(`/proc/${serve.pid}/environ`, 'utf8').split('\0');
    expect(primary).not.toContain('MALLOC_MMAP_THRESHOLD_=65536');
    expect(primary.filter((v) => v.startsWith('NODE_OPTIONS='))).toEqual(['NODE_OPTIONS=']);
  });

  it('an operator’s own values, any GLIBC_TUNABLES, and their other node options are kept', () => {
    const ours = { MALLOC_MMAP_THRESHOLD_: '65536', NODE_OPTIONS: '--max-semi-space-size=4' };
    expect(workerEnv({})).toEqual(ours);
    expect(workerEnv({ MALLOC_MMAP_THRESHOLD_: '131072' })).toEqual({ NODE_OPTIONS: ours.NODE_OPTIONS });
    expect(workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toEqual({ NODE_OPTIONS: ours.NODE_OPTIONS });
    expect(workerEnv({ ...ours, NODE_OPTIONS: '--max-semi-space-size=16' })).toEqual({});
    expect(workerEnv({ NODE_OPTIONS: '--enable-source-maps' })).toEqual({
      MALLOC_MMAP_THRESHOLD_: '65536',
      NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=4',
    });
  });
});

describe('serve: V8 heap growth', () => {
  it('is tight while two films’ playlists are made at once, and V8’s own again after', async () => {
    const { root, library: source, cacheDir } = library();
    copyFileSync(media('video-only.mp4'), path.join(source, 'video-only.mp4'));
    const preload = path.join(root, 'flags.cjs');
    const log = path.join(root, 'flags.log');
    writeFileSync(
      preload,
      `const v8 = require('node:v8'); const fs = require('node:fs'); const set = v8.setFlagsFromString;
       v8.setFlagsFromString = (flags) => { fs.appendFileSync(${JSON.stringify(log)}, flags + '\\n'); return set(flags); };`,
    );
    const growth = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n') : []).filter((f) => f.startsWith('--heap-growing'));
    const serve = await startServe(['--cache-dir', cacheDir, '--source-root', source], { NODE_OPTIONS: `--require ${preload}` });
    try {
      const answers = await Promise.all(['av.mp4', 'video-only.mp4'].map((name) => fetch(`${serve.url}/i/${name}/index_0_av.m3u8`)));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      await expect.poll(growth, { timeout: 5000 }).toEqual([TIGHT_GROWTH, V8_OWN_GROWTH]);
    } finally {
      await serve.stop();
    }
  });
});

// Full collections in a process whose array buffers of 2 MiB live for ten rounds of young
// garbage, as a cold rendition's moov and index do; `flags` set at run time one after the other,
// as serve sets them (the last from the second round on).
function fullCollections(flags: readonly string[]): number {
  const script = `
    const v8 = require('node:v8');
    const { PerformanceObserver, constants } = require('node:perf_hooks');
    const flags = process.argv.slice(1);
    let full = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
    }).observe({ entryTypes: ['gc'] });
    (async () => {
      const live = [];
      for (let i = 0; i < 300; i++) {
        if (i < flags.length) v8.setFlagsFromString(flags[i]);
        live.push([new Uint8Array(2 << 20).fill(1), Array.from({ length: 20000 }, (_, j) => ({ i, j }))]);
        if (live.length > 10) live.shift();
        await new Promise((resolve) => setImmediate(resolve));
      }
      setTimeout(() => console.log(full), 50);
    })();`;
  const args = ['--max-semi-space-size=4', '-e', script, ...flags];
  return Number(execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 }).trim());
}

describe('heapGrowthUnderLoad', () => {
  it('sets the tight growth when a second rendition starts and V8’s own when one is left, once each', () => {
    const set: string[] = [];
    const told = heapGrowthUnderLoad([], (flags) => set.push(flags))!;
    for (const running of [1, 2, 3, 2, 1, 0, 1]) told(running);
    expect(set).toEqual([TIGHT_GROWTH, V8_OWN_GROWTH]);
    told(2);
    expect(set).toEqual([TIGHT_GROWTH, V8_OWN_GROWTH, TIGHT_GROWTH]);
  });

  it('leaves a growth given on node’s command line to the operator', () => {
    expect(heapGrowthUnderLoad(['--heap-growing-percent=0'])).toBeNull();
    expect(heapGrowthUnderLoad(['--inspect', '--heap_growing_percent=300'])).toBeNull();
    expect(heapGrowthUnderLoad(['--max-semi-space-size=4'])).not.toBeNull();
  });

  it('the tight growth collects dying buffers more often than V8 alone, and V8’s own growth undoes it', () => {
    const alone = fullCollections([]);
    const tight = fullCollections([TIGHT_GROWTH]);
    const undone = fullCollections([TIGHT_GROWTH, V8_OWN_GROWTH]);
    expect(alone).toBeGreaterThan(0);
    expect(tight).toBeGreaterThanOrEqual(alone * 1.5);
    expect(undone).toBeLessThan(tight / 1.5);
  });
});
