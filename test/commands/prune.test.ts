import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePruneFlags, runPruneCommand } from '../../src/commands/prune.js';
import type { PruneOptions } from '../../src/lib/prune/run.js';
import type { PruneReport } from '../../src/lib/prune/report.js';
import { runCli, startCli } from '../helpers/cli.js';
import { HOUR, makeRendition, writeFile } from '../helpers/cache-tree.js';
import { tempDir } from '../helpers/temp-dir.js';

// The CLI measures ages from its own clock, so these trees are built relative to the real time.
const now = () => Date.now();

function workspace() {
  const cwd = tempDir('casterpak-prune-');
  return { cwd, cache: path.join(cwd, 'cache') };
}

describe('parsePruneFlags', () => {
  it('reads durations, sizes and the kind, and leaves unset flags to the configuration', () => {
    expect(parsePruneFlags({ olderThan: '90s', maxSize: '50G', what: 'all' })).toEqual({
      what: 'all',
      olderThanMs: 90_000,
      maxSizeBytes: 50 * 1024 ** 3,
    });
    expect(parsePruneFlags({ olderThan: '7d' }).olderThanMs).toBe(7 * 86_400_000);
    expect(parsePruneFlags({})).toEqual({ what: 'segments', olderThanMs: undefined, maxSizeBytes: undefined });
  });

  it('names the flag and the expected form in one line', () => {
    expect(() => parsePruneFlags({ olderThan: '2x' })).toThrow('invalid --older-than "2x": use a duration such as 90s, 30m, 2h or 7d');
    expect(() => parsePruneFlags({ olderThan: '-5m' })).toThrow(/invalid --older-than/);
    expect(() => parsePruneFlags({ maxSize: 'lots' })).toThrow('invalid --max-size "lots": use a size such as 500M, 50G or 2T');
    expect(() => parsePruneFlags({ what: 'everything' })).toThrow(
      'invalid --what "everything": use one of segments, renditions, sources, all',
    );
  });
});

describe('runPruneCommand', () => {
  it('takes --older-than and --max-size from the configuration unless given, and sweeps leftovers after 2 × bento4.timeoutMs', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'casterpak.config.json');
    writeFileSync(
      config,
      JSON.stringify({ cacheDir: path.join(dir, 'c'), prune: { olderThan: '30m', maxSizeBytes: '1G' }, bento4: { timeoutMs: '1m' } }),
    );
    const calls: PruneOptions[] = [];
    const runPrune = async (options: PruneOptions) => {
      calls.push(options);
      return {} as PruneReport;
    };
    await runPruneCommand({ config }, { runPrune });
    await runPruneCommand(
      { config, olderThan: '7d', maxSize: '2G', what: 'renditions', dryRun: true, cacheDir: path.join(dir, 'd') },
      { runPrune },
    );
    expect(calls[0]).toMatchObject({
      cacheDir: path.join(dir, 'c'),
      what: 'segments',
      olderThanMs: 1_800_000,
      maxSizeBytes: 1024 ** 3,
      dryRun: false,
      tmpMaxAgeMs: 120_000,
    });
    expect(calls[1]).toMatchObject({
      cacheDir: path.join(dir, 'd'),
      what: 'renditions',
      olderThanMs: 7 * 86_400_000,
      maxSizeBytes: 2 * 1024 ** 3,
      dryRun: true,
    });
  });
});

describe('casterpak prune (the built CLI)', () => {
  it('removes idle segments, prints one summary line without colour when not on a terminal, exits 0', async () => {
    const { cwd, cache } = workspace();
    const dir = makeRendition(cache, '2022/x.mp4', {
      segments: [now() - 3 * HOUR, now() - 3 * HOUR, now() - 60_000],
      playlist: now() - 5 * HOUR,
    });
    const result = await runCli(['prune', '--older-than', '2h', '--cache-dir', cache], { cwd });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^removed 2 items \(2\.0 KiB\) in \d+(\.\d)? m?s: 2 segments; cache now 1010 B\n$/);
    expect(readdirSync(dir).sort()).toEqual(['.rendition.json', 'index_0_av.m3u8', 'segment3_0_av.ts']);
  });

  it('--dry-run lists what would go and deletes nothing', async () => {
    const { cwd, cache } = workspace();
    const dir = makeRendition(cache, 'a.mp4', { segments: [now() - 3 * HOUR] });
    const result = await runCli(['prune', '--dry-run', '--what', 'renditions', '--cache-dir', cache], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      expect.stringMatching(/^would remove rendition +1010 B +idle 3 h 0 min +a\.mp4$/),
      'dry run: would remove 1 item (1010 B): 1 rendition; nothing was deleted',
      '',
    ]);
    expect(existsSync(path.join(dir, 'segment1_0_av.ts'))).toBe(true);
  });

  it('--json prints the report: items with path, kind, bytes, reason; counts; timings', async () => {
    const { cwd, cache } = workspace();
    makeRendition(cache, 'a.mp4', { segments: [now() - 3 * HOUR], segmentBytes: 500 });
    const result = await runCli(['prune', '--json', '--cache-dir', cache], { cwd });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as PruneReport;
    expect(report).toMatchObject({
      cacheDir: cache,
      cacheExists: true,
      what: 'segments',
      olderThanMs: 7_200_000,
      maxSizeBytes: null,
      dryRun: false,
      removed: 1,
      bytesFreed: 500,
      kept: [],
      vanished: 0,
      errors: [],
      warnings: [],
      overBudget: false,
    });
    expect(report.items).toEqual([
      { path: 'a.mp4/segment1_0_av.ts', kind: 'segment', bytes: 500, reason: 'idle', lastAccessMs: expect.any(Number) },
    ]);
    expect(report.durationMs).toBeGreaterThan(0);
    expect(report.scanned.files).toBeGreaterThanOrEqual(3);
  });

  it('uses prune.olderThan from the configuration file when --older-than is not given', async () => {
    const { cwd, cache } = workspace();
    const dir = makeRendition(cache, 'a.mp4', { segments: [now() - 40 * 60_000, now() - 20 * 60_000] });
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ cacheDir: cache, prune: { olderThan: '30m' } }));
    expect((await runCli(['prune'], { cwd })).code).toBe(0);
    expect(readdirSync(dir)).not.toContain('segment1_0_av.ts');
    expect(readdirSync(dir)).toContain('segment2_0_av.ts');
  });

  it('needs a unit and, under a minute, --force: a crontab typo does not empty the cache', async () => {
    const { cwd, cache } = workspace();
    const dir = makeRendition(cache, 'a.mp4', { segments: [now() - 10 * 60_000] });
    const cases: Array<[string[], string]> = [
      [['--older-than', '2'], 'casterpak: invalid --older-than "2": give its unit, e.g. 2h, 2m or 2d\n'],
      [['--older-than', '0'], 'casterpak: invalid --older-than "0": give its unit, e.g. 0h, 0m or 0d\n'],
      [
        ['--older-than', '30s'],
        'casterpak: --older-than is 30.0 s, under a minute: that removes nearly the whole cache; give --force to mean it\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const result = await runCli(['prune', '--cache-dir', cache, ...args], { cwd });
      expect(result, args.join(' ')).toMatchObject({ code: 1, stdout: '', stderr });
      expect(readdirSync(dir)).toContain('segment1_0_av.ts');
    }
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ cacheDir: cache, prune: { olderThanMs: 2 } }));
    expect((await runCli(['prune'], { cwd })).stderr).toBe(
      `casterpak: invalid configuration in ${path.join(cwd, 'casterpak.config.json')}: prune.olderThanMs is no longer read: write prune.olderThan with its unit instead, e.g. "2h"\n`,
    );
    rmSync(path.join(cwd, 'casterpak.config.json'));
    const forced = await runCli(['prune', '--cache-dir', cache, '--older-than', '30s', '--force'], { cwd });
    expect(forced.code).toBe(0);
    expect(readdirSync(dir)).not.toContain('segment1_0_av.ts');
  });

  it('a cache directory that does not exist is an error naming it and where it came from (a crontab typo must show)', async () => {
    const { cwd, cache } = workspace();
    const result = await runCli(['prune', '--cache-dir', cache], { cwd });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `casterpak: the cache directory ${cache} does not exist (--cache-dir): check the path\n`,
    });
    const env = await runCli(['prune'], { cwd, env: { CASTERPAK_CACHE_DIR: cache } });
    expect(env).toMatchObject({
      code: 1,
      stderr: `casterpak: the cache directory ${cache} does not exist (CASTERPAK_CACHE_DIR): check the path\n`,
    });
  });

  it('an existing but empty cache directory is a quiet success', async () => {
    const { cwd, cache } = workspace();
    mkdirSync(cache);
    const result = await runCli(['prune', '--cache-dir', cache], { cwd });
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('a bad flag or an unusable cache directory: exit 1 and one line on stderr', async () => {
    const { cwd, cache } = workspace();
    writeFile(cache, 'not a directory', now());
    const cases: Array<[string[], string]> = [
      [['--older-than', '2x'], 'casterpak: invalid --older-than "2x": use a duration such as 90s, 30m, 2h or 7d\n'],
      [['--what', 'everything'], 'casterpak: invalid --what "everything": use one of segments, renditions, sources, all\n'],
      [['--max-size', 'big'], 'casterpak: invalid --max-size "big": use a size such as 500M, 50G or 2T\n'],
      [[], `casterpak: the cache directory ${cache} is not a directory\n`],
    ];
    for (const [args, stderr] of cases) {
      const result = await runCli(['prune', '--cache-dir', cache, ...args], { cwd });
      expect(result, args.join(' ')).toMatchObject({ code: 1, stdout: '', stderr });
    }
  });

  it('a concurrent reader sees every rendition whole or not at all while prune removes them', async () => {
    const { cwd, cache } = workspace();
    const SEGMENTS = 60;
    const names = Array.from({ length: 40 }, (_, i) => `r${i}.mp4`);
    for (const name of names)
      makeRendition(cache, name, { segments: Array.from({ length: SEGMENTS }, () => now() - 5 * HOUR), segmentBytes: 10 });
    const { done } = startCli(['prune', '--what', 'renditions', '--cache-dir', cache], { cwd });
    let finished = false;
    void done.then(() => (finished = true));
    let looks = 0;
    const torn: string[] = [];
    while (!finished) {
      for (const name of names) {
        let listing: string[];
        try {
          listing = readdirSync(path.join(cache, name));
        } catch {
          continue; // gone: fine
        }
        looks++;
        if (listing.length !== SEGMENTS + 2) torn.push(`${name}: ${listing.length} entries`);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await done).code).toBe(0);
    expect(torn).toEqual([]);
    expect(looks).toBeGreaterThan(0);
    expect(readdirSync(cache).filter((n) => !n.startsWith('.'))).toEqual([]);
  });
});
