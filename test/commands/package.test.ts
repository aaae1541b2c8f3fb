import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInputs, summaryLine } from '../../src/commands/package.js';
import {
  MEDIA_DIR,
  REAL_MP42HLS,
  checkRendition,
  fakeBinDir,
  media,
  mp4infoDuration,
  processExists,
  processRunning,
  readPids,
} from '../helpers/bento4.js';
import { runCli as runBare, startCli as startBare, type CliOptions } from '../helpers/cli.js';
import { httpServer } from '../helpers/http-server.js';
import { filesUnder, tempDir } from '../helpers/temp-dir.js';

const cacheFiles = filesUnder;
const renditions = (cacheDir: string) =>
  existsSync(cacheDir)
    ? readdirSync(cacheDir)
        .filter((n) => !n.startsWith('.'))
        .sort()
    : [];
const tmpEntries = (cacheDir: string) => (existsSync(path.join(cacheDir, '.tmp')) ? readdirSync(path.join(cacheDir, '.tmp')) : []);

// The fixtures' directory is the source root of these runs (package names a file's rendition by
// its path below the source root), unless a test gives another or none (runBare).
const withRoot = (options: CliOptions): CliOptions => ({ ...options, env: { CASTERPAK_SOURCE_ROOT: MEDIA_DIR, ...options.env } });
const runCli = (args: readonly string[], options: CliOptions) => runBare(args, withRoot(options));
const startCli = (args: readonly string[], options: CliOptions) => startBare(args, withRoot(options));

function workspace() {
  const cwd = tempDir('casterpak-cli-');
  return { cwd, cacheDir: path.join(cwd, 'casterpak-cache') };
}

describe('collectInputs / summaryLine', () => {
  it('joins arguments with the lines of --from-file, skipping blanks and comments', async () => {
    const list = path.join(tempDir(), 'list.txt');
    writeFileSync(list, '# renditions\n a.mp4 \r\n\nb.mp4\n  # c.mp4\n');
    expect(await collectInputs(['x.mp4'], list)).toEqual(['x.mp4', 'a.mp4', 'b.mp4']);
  });

  it('refuses no input and an unreadable list', async () => {
    await expect(collectInputs([], undefined)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^no input/) });
    await expect(collectInputs([], '/nonexistent/list')).rejects.toMatchObject({
      code: 'USAGE',
      message: 'cannot read the input list /nonexistent/list',
    });
  });

  it('sums up made, reused, failed, bytes and time', () => {
    expect(summaryLine({ made: 2, reused: 1, skipped: 0, failed: 0, bytes: 3 * 1024 * 1024, durationMs: 1500, results: [] })).toBe(
      '2 made, 1 reused, 0 failed; 3.0 MiB in 1.5 s',
    );
  });
});

describe('casterpak package', () => {
  it('packages fixtures into the seed-000 shape, relative URIs by default', async () => {
    const { cwd, cacheDir } = workspace();
    const result = await runCli(['package', media('av.mp4'), media('audio-only.mp4')], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^made +${media('av.mp4').replace(/[.]/g, '\\.')} +2 segments → ${cacheDir}/av\\.mp4$`, 'm'));
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^2 made, 0 reused, 0 failed; [\d.]+ KiB in [\d.]+ m?s$/);
    const av = checkRendition(path.join(cacheDir, 'av.mp4'));
    expect(av.playlist).toBe(
      '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-ALLOW-CACHE:YES\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:1\n' +
        '#EXTINF:10.000,\nsegment1_0_av.ts\n#EXTINF:1.960,\nsegment2_0_av.ts\n#EXT-X-ENDLIST\n',
    );
    expect(Math.abs(av.durations.reduce((a, b) => a + b) - mp4infoDuration(media('av.mp4')))).toBeLessThanOrEqual(0.1);
    const audio = checkRendition(path.join(cacheDir, 'audio-only.mp4'));
    expect(Math.abs(audio.durations.reduce((a, b) => a + b) - mp4infoDuration(media('audio-only.mp4')))).toBeLessThanOrEqual(0.1);
    expect(tmpEntries(cacheDir)).toEqual([]);
  });

  it('writes absolute URIs with --base-url and 6 segments for av.mp4 with --segment-duration 2', async () => {
    const { cwd, cacheDir } = workspace();
    const result = await runCli(['package', '--base-url', 'https://cdn.example/', '--segment-duration', '2', media('av.mp4')], { cwd });
    expect(result.code).toBe(0);
    const { uris, durations, playlist } = checkRendition(path.join(cacheDir, 'av.mp4'));
    expect(durations).toHaveLength(6);
    expect(playlist).toContain('#EXT-X-TARGETDURATION:2\n');
    expect(uris).toEqual([1, 2, 3, 4, 5, 6].map((n) => `https://cdn.example/i/av.mp4/segment${n}_0_av.ts`));
  });

  it('reports reuse, and --force rebuilds byte-identical output', async () => {
    const { cwd, cacheDir } = workspace();
    expect((await runCli(['package', media('av.mp4')], { cwd })).code).toBe(0);
    const dir = path.join(cacheDir, 'av.mp4');
    const snapshot = () =>
      Object.fromEntries(
        readdirSync(dir)
          .filter((n) => n !== '.rendition.json')
          .map((n) => [n, readFileSync(path.join(dir, n))]),
      );
    const first = snapshot();
    const reused = await runCli(['package', media('av.mp4')], { cwd });
    expect(reused.code).toBe(0);
    expect(reused.stdout).toMatch(/^reused +\S+av\.mp4 +2 segments/m);
    expect(reused.stdout).toMatch(/0 made, 1 reused, 0 failed/);
    const forced = await runCli(['package', '--force', media('av.mp4')], { cwd });
    expect(forced.stdout).toMatch(/1 made, 0 reused, 0 failed/);
    const second = snapshot();
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    for (const name of Object.keys(first)) expect(second[name].equals(first[name]), name).toBe(true);
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('prints one JSON result with --json and nothing else on stdout', async () => {
    const { cwd, cacheDir } = workspace();
    const result = await runCli(['package', '--json', media('av.mp4'), media('vp9.mp4')], { cwd });
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json).toEqual({
      made: 1,
      reused: 0,
      skipped: 0,
      failed: 1,
      bytes: expect.any(Number),
      durationMs: expect.any(Number),
      results: [
        {
          input: media('av.mp4'),
          renditionPath: 'av.mp4',
          status: 'made',
          dir: path.join(cacheDir, 'av.mp4'),
          segments: 2,
          bytes: json.bytes,
          durationMs: expect.any(Number),
        },
        {
          input: media('vp9.mp4'),
          renditionPath: 'vp9.mp4',
          status: 'failed',
          dir: null,
          segments: 0,
          bytes: 0,
          durationMs: expect.any(Number),
          error: { code: 'UNSUPPORTED_MEDIA', message: expect.stringMatching(/^unsupported codec \(vp09\)/) },
        },
      ],
    });
    expect(result.stderr).toMatch(/^casterpak: \S+\/vp9\.mp4: unsupported codec \(vp09\)/);
  });

  it('reads inputs from --from-file and from stdin with --from-file -', async () => {
    const { cwd, cacheDir } = workspace();
    writeFileSync(path.join(cwd, 'list.txt'), `# two renditions\n${media('av.mp4')}\n\n${media('video-only.mp4')}\n`);
    expect((await runCli(['package', '--from-file', 'list.txt'], { cwd })).code).toBe(0);
    expect(renditions(cacheDir)).toEqual(['av.mp4', 'video-only.mp4']);
    const stdin = await runCli(['package', '--json', '--from-file', '-'], { cwd, stdin: `${media('audio-only.mp4')}\n` });
    expect(JSON.parse(stdin.stdout).made).toBe(1);
    expect(renditions(cacheDir)).toEqual(['audio-only.mp4', 'av.mp4', 'video-only.mp4']);
  });

  it('fails a batch with one line per bad input while the others complete, exit 1, nothing cached for them', async () => {
    const { cwd, cacheDir } = workspace();
    const bad = ['missing.mp4', 'not-an-mp4.mp4', 'empty.mp4', 'truncated.mp4', 'vp9.mp4', 'opus.mp4'];
    const result = await runCli(['package', '--concurrency', '2', ...bad.map(media), media('av.mp4'), media('hevc.mp4')], { cwd });
    expect(result.code).toBe(1);
    const failed = result.stdout.split('\n').filter((l) => l.startsWith('failed'));
    const reasons = Object.fromEntries(failed.map((l) => /^failed +(\S+) +(.*)$/.exec(l)!.slice(1)));
    expect(reasons).toEqual({
      [media('missing.mp4')]: 'no such file',
      [media('not-an-mp4.mp4')]: 'not an MP4 (no MP4 box at the start)',
      [media('empty.mp4')]: 'empty file',
      [media('truncated.mp4')]: 'truncated or not an MP4 (no moov)',
      [media('vp9.mp4')]: expect.stringMatching(/^unsupported codec \(vp09\); casterpak needs H\.264\/HEVC video or AAC\/AC-3 audio$/),
      [media('opus.mp4')]: expect.stringMatching(/^unsupported codec \(Opus\)/),
    });
    expect(result.stdout).toMatch(/2 made, 0 reused, 6 failed/);
    expect(result.stderr).toBe('casterpak: 6 of 8 inputs failed\n');
    expect(renditions(cacheDir)).toEqual(['av.mp4', 'hevc.mp4']);
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('prints a failure once: on its progress line, then only the count on stderr', async () => {
    const { cwd } = workspace();
    const result = await runCli(['package', '--source-root', '.', 'nope.mp4'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^failed +nope\.mp4 +no such file$/m);
    expect(result.stderr).toBe('casterpak: 1 of 1 input failed\n');
    expect(`${result.stdout}${result.stderr}`.split('no such file')).toHaveLength(2);
  });

  it('refuses to run without input', async () => {
    const result = await runCli(['package'], { cwd: workspace().cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('casterpak: no input: give MP4 files or URLs, or --from-file <list>\n');
  });

  it('keeps the path relative to --source-root as rendition path', async () => {
    const { cwd, cacheDir } = workspace();
    const library = path.join(cwd, 'library');
    mkdirSync(path.join(library, '20220404/1251'), { recursive: true });
    copyFileSync(media('av.mp4'), path.join(library, '20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4'));
    const result = await runCli(
      ['package', '--source-root', 'library', '--base-url', 'https://onprem.example', 'library/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4'],
      { cwd },
    );
    expect(result.code).toBe(0);
    const { uris } = checkRendition(path.join(cacheDir, '20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4'));
    expect(uris[0]).toBe('https://onprem.example/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/segment1_0_av.ts');
  });

  it('takes flags over environment over config file over defaults', async () => {
    const { cwd } = workspace();
    writeFileSync(
      path.join(cwd, 'casterpak.config.json'),
      JSON.stringify({ cacheDir: 'file-cache', segmentDuration: 2, publicBaseUrl: 'https://file.example' }),
    );
    const env = { CASTERPAK_CACHE_DIR: 'env-cache', CASTERPAK_BASE_URL: 'https://env.example' };
    const result = await runCli(['package', '--json', '--base-url', 'https://flag.example', media('av.mp4')], { cwd, env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).results[0].dir).toBe(path.join(cwd, 'env-cache/av.mp4')); // env over file
    const { uris } = checkRendition(path.join(cwd, 'env-cache/av.mp4'));
    expect(uris).toHaveLength(6); // file over the default 10 s
    expect(uris[0]).toMatch(/^https:\/\/flag\.example\//); // flag over env and file
    expect(existsSync(path.join(cwd, 'file-cache'))).toBe(false);
    const other = await runCli(['package', '--config', 'none.json', media('av.mp4')], { cwd });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^casterpak: cannot read configuration/);
  });

  it('refuses a bad value naming it as it was given (flag, variable or file key), before doing anything', async () => {
    const { cwd, cacheDir } = workspace();
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ bento4: { timeoutMS: 1 } }));
    const file = await runCli(['package', media('av.mp4')], { cwd });
    expect(file.code).toBe(1);
    expect(file.stderr).toBe(
      `casterpak: invalid configuration in ${path.join(cwd, 'casterpak.config.json')}: bento4.timeoutMS is not a known key\n`,
    );
    const flag = await runCli(['package', '--concurrency', 'lots', '--config', '/dev/null', media('av.mp4')], { cwd });
    expect(flag.stderr).toBe('casterpak: --concurrency must be an integer from 1 to 256, got "lots"\n');
    const duration = await runCli(['package', '--segment-duration', '2.5', '--config', '/dev/null', media('av.mp4')], { cwd });
    expect(duration.stderr).toBe('casterpak: --segment-duration must be an integer from 1 to 3600, got "2.5"\n');
    const env = await runCli(['package', '--config', '/dev/null', media('av.mp4')], { cwd, env: { CASTERPAK_BASE_URL: 'notaurl' } });
    expect(env.stderr).toBe('casterpak: CASTERPAK_BASE_URL must be an http(s) URL, got "notaurl"\n');
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('names the missing tool when --bento4-dir holds no Bento4', async () => {
    const { cwd } = workspace();
    const empty = tempDir();
    const result = await runCli(['package', '--bento4-dir', empty, media('av.mp4')], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `casterpak: Bento4 not usable: mp42hls and mp4info missing or not executable in ${empty} (from bento4.binDir)\n`,
    );
  });

  it('downloads URL inputs and fails bad ones with the reason, keeping no partial source', async () => {
    const body = readFileSync(media('av.mp4'));
    const server = await httpServer((req, res) => {
      if (req.url === '/shows/ep1.mp4') res.writeHead(200, { 'content-length': body.length }).end(body);
      else if (req.url === '/redirect.mp4') res.writeHead(302, { location: `http://localhost:${server.port}/shows/ep1.mp4` }).end();
      else if (req.url === '/short.mp4') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 4096), () => res.destroy());
      } else res.writeHead(404).end();
    });
    const { cwd, cacheDir } = workspace();
    const urls = ['/shows/ep1.mp4', '/gone.mp4', '/redirect.mp4', '/short.mp4'].map((p) => server.url + p);
    const result = await runCli(['package', '--json', '--concurrency', '1', ...urls], { cwd });
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status)).toEqual([
      'made',
      'NOT_FOUND',
      'FORBIDDEN_HOST',
      'UPSTREAM',
    ]);
    expect(json.results[1].error.message).toBe(`${server.url}/gone.mp4: not found upstream (404)`);
    checkRendition(path.join(cacheDir, 'shows/ep1.mp4'));
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.'))).toEqual(['.sources/shows/ep1.mp4']);
  });
});

describe('casterpak package with a failing mp42hls', () => {
  it.each([
    ['no-playlist', {}, 'mp42hls wrote no playlist for av.mp4'],
    ['partial-exit1', {}, 'mp42hls exited with code 1: ERROR: failed to read sample (-10)'],
    ['hang', { CASTERPAK_BENTO4_TIMEOUT: '1500' }, 'mp42hls ran past its time limit of 1500 ms and was killed'],
    ['segv', {}, 'mp42hls was killed by SIGSEGV: about to crash'],
    ['missing-segment', {}, 'mp42hls listed segment 2 of av.mp4 but did not write it'],
    ['not-ts', {}, 'mp42hls wrote an invalid segment 1 for av.mp4: size 31 is not a multiple of 188'],
  ])('%s: a clear error, nothing published, no temporary directory, no process left', async (fake, env, message) => {
    const { cwd, cacheDir } = workspace();
    const pids = path.join(cwd, 'pids');
    const started = Date.now();
    const result = await runCli(['package', media('av.mp4')], {
      cwd,
      env: { CASTERPAK_BENTO4_DIR: fakeBinDir(fake), FAKE_MP42HLS_PIDS: pids, ...env },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`failed  ${media('av.mp4')}  ${message}\n`);
    expect(result.stderr).toBe('casterpak: 1 of 1 input failed\n');
    expect(renditions(cacheDir)).toEqual([]);
    expect(tmpEntries(cacheDir)).toEqual([]);
    expect(cacheFiles(cacheDir)).toEqual([]);
    const [fakePid, ...children] = readPids(pids);
    expect(processExists(fakePid)).toBe(false);
    for (const child of children) await expect.poll(() => processRunning(child), { timeout: 1000 }).toBe(false);
  });

  it('does not run mp42hls for a reused rendition (counting wrapper)', async () => {
    const { cwd } = workspace();
    const counter = path.join(cwd, 'runs');
    const env = { CASTERPAK_BENTO4_DIR: fakeBinDir('counting'), FAKE_MP42HLS_COUNTER: counter, FAKE_MP42HLS_REAL: REAL_MP42HLS };
    const runs = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
    expect((await runCli(['package', media('av.mp4'), media('hevc.mp4')], { cwd, env })).code).toBe(0);
    expect(runs()).toBe(2);
    expect((await runCli(['package', media('av.mp4'), media('hevc.mp4')], { cwd, env })).stdout).toMatch(/0 made, 2 reused/);
    expect(runs()).toBe(2);
    expect((await runCli(['package', '--force', media('av.mp4')], { cwd, env })).stdout).toMatch(/1 made, 0 reused/);
    expect(runs()).toBe(3);
  });
});

describe('casterpak package interrupted', () => {
  // Starts a packaging run whose mp42hls (the slow fake) is waiting; resolves once it is.
  async function interruptedRun() {
    const { cwd, cacheDir } = workspace();
    const pids = path.join(cwd, 'pids');
    const env = {
      CASTERPAK_BENTO4_DIR: fakeBinDir('slow'),
      FAKE_MP42HLS_PIDS: pids,
      FAKE_MP42HLS_REAL: REAL_MP42HLS,
      FAKE_MP42HLS_DELAY: '20',
    };
    const run = startCli(['package', media('av.mp4')], { cwd, env });
    await expect.poll(() => readPids(pids).length, { timeout: 10_000, interval: 50 }).toBe(2); // the fake and its sleep
    expect(tmpEntries(cacheDir)).toHaveLength(1); // mp42hls is writing into its run directory
    return { cwd, cacheDir, pids, run };
  }

  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops it at once, publishes nothing and removes its temporary directory', async (signal) => {
    const { cacheDir, pids, run } = await interruptedRun();
    const stopped = Date.now();
    run.child.kill(signal);
    const result = await run.done;
    expect(Date.now() - stopped).toBeLessThan(3000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/casterpak: interrupted; nothing partial was kept\n$/);
    expect(renditions(cacheDir)).toEqual([]);
    expect(tmpEntries(cacheDir)).toEqual([]);
    for (const pid of readPids(pids)) await expect.poll(() => processRunning(pid), { timeout: 1000 }).toBe(false);
  });

  it('after kill -9 the next run sweeps the temporary directory and starts clean', async () => {
    const { cwd, cacheDir, pids, run } = await interruptedRun();
    run.child.kill('SIGKILL');
    await run.done;
    try {
      expect(renditions(cacheDir)).toEqual([]);
      expect(tmpEntries(cacheDir)).toHaveLength(1); // nobody could clean up
      const next = await runCli(['package', media('av.mp4')], { cwd });
      expect(next.code).toBe(0);
      checkRendition(path.join(cacheDir, 'av.mp4'));
      expect(tmpEntries(cacheDir)).toEqual([]);
      expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      // the orphaned fake (casterpak could not kill it) is ours to end
      for (const pid of readPids(pids)) if (processRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('after kill -9 during a download the next run keeps no partial source', async () => {
    const body = readFileSync(media('av.mp4'));
    let reached!: () => void;
    const sending = new Promise<void>((resolve) => (reached = resolve));
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100_000), () => reached()); // then stalls
    });
    const { cwd, cacheDir } = workspace();
    const run = startCli(['package', `${server.url}/slow.mp4`], { cwd });
    await sending;
    await expect.poll(() => cacheFiles(cacheDir).filter((f) => f.includes('.part')).length, { timeout: 5000 }).toBe(1);
    run.child.kill('SIGKILL');
    await run.done;
    const next = await runCli(['package', media('audio-only.mp4')], { cwd });
    expect(next.code).toBe(0);
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
