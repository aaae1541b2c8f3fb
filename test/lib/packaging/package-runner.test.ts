import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPackageJob, type PackageRunOptions } from '../../../src/lib/packaging/package-runner.js';
import { validateConfig, type CasterpakConfig } from '../../../src/lib/config/schema.js';
import { silentReporter } from '../../../src/lib/shared/reporter.js';
import { MEDIA_DIR, REAL_MP42HLS, checkRendition, countingRuns, fakeBinDir, media } from '../../helpers/bento4.js';
import { httpServer } from '../../helpers/http-server.js';
import { filesUnder, tempDir } from '../../helpers/temp-dir.js';

function setup(layer: Record<string, unknown> = {}) {
  const cacheDir = tempDir('casterpak-cache-');
  const config: CasterpakConfig = validateConfig([{ cacheDir, sourceRoot: MEDIA_DIR, package: { concurrency: 2 } }, layer], 2);
  const run = (inputs: string[], options: Partial<PackageRunOptions> = {}) =>
    runPackageJob(config, { inputs, force: false, cwd: process.cwd(), reporter: silentReporter(), ...options });
  return { cacheDir, config, run };
}

const cacheFiles = filesUnder;

afterEach(() => {
  delete process.env.FAKE_MP42HLS_COUNTER;
  delete process.env.FAKE_MP42HLS_REAL;
});

describe('runPackageJob', () => {
  it('makes one rendition per input and sums up', async () => {
    const { cacheDir, run } = setup();
    const summary = await run([media('av.mp4'), media('audio-only.mp4')]);
    expect(summary).toMatchObject({ made: 2, reused: 0, failed: 0 });
    expect(summary.results.map((r) => [r.input, r.status, r.renditionPath, r.dir])).toEqual([
      [media('av.mp4'), 'made', 'av.mp4', path.join(cacheDir, 'av.mp4')],
      [media('audio-only.mp4'), 'made', 'audio-only.mp4', path.join(cacheDir, 'audio-only.mp4')],
    ]);
    expect(summary.results[0].segments).toBe(2);
    expect(summary.bytes).toBe(summary.results[0].bytes + summary.results[1].bytes);
    checkRendition(path.join(cacheDir, 'av.mp4'));
    checkRendition(path.join(cacheDir, 'audio-only.mp4'));
  });

  it('keeps the path relative to the source root as rendition path', async () => {
    const library = tempDir('casterpak-lib-');
    mkdirSync(path.join(library, '20220404/1251'), { recursive: true });
    copyFileSync(media('av.mp4'), path.join(library, '20220404/1251/x.mp4'));
    const { cacheDir, run } = setup({ sourceRoot: library });
    const summary = await run(['20220404/1251/x.mp4'], { cwd: library });
    expect(summary.results[0]).toMatchObject({
      status: 'made',
      renditionPath: '20220404/1251/x.mp4',
      dir: path.join(cacheDir, '20220404/1251/x.mp4'),
    });
    checkRendition(path.join(cacheDir, '20220404/1251/x.mp4'));
  });

  it('reuses a complete rendition without running mp42hls, and --force rebuilds it', async () => {
    const runs = countingRuns();
    const { cacheDir, run } = setup({ bento4: { binDir: fakeBinDir('counting') } });
    expect((await run([media('av.mp4')])).made).toBe(1);
    expect(runs()).toBe(1);
    const before = readFileSync(path.join(cacheDir, 'av.mp4/segment1_0_av.ts'));
    const again = await run([media('av.mp4')]);
    expect(again).toMatchObject({ made: 0, reused: 1, failed: 0 });
    expect(again.results[0].segments).toBe(2);
    expect(runs()).toBe(1);
    const forced = await run([media('av.mp4')], { force: true });
    expect(forced).toMatchObject({ made: 1, reused: 0 });
    expect(runs()).toBe(2);
    expect(readFileSync(path.join(cacheDir, 'av.mp4/segment1_0_av.ts')).equals(before)).toBe(true);
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.'))).toEqual([]); // no .tmp, .trash or lock files left
  });

  it('repairs a rendition whose segments were pruned instead of calling it complete', async () => {
    const { cacheDir, run } = setup();
    await run([media('av.mp4')]);
    const segment = path.join(cacheDir, 'av.mp4/segment2_0_av.ts');
    const bytes = readFileSync(segment);
    rmSync(segment);
    const summary = await run([media('av.mp4')]);
    expect(summary.results[0].status).toBe('made');
    expect(readFileSync(segment).equals(bytes)).toBe(true);
    checkRendition(path.join(cacheDir, 'av.mp4'));
  });

  it('packages again when the rendition was made with other settings', async () => {
    const { cacheDir, config } = setup();
    const runWith = (layer: Record<string, unknown>) =>
      runPackageJob(validateConfig([config as unknown as Record<string, unknown>, layer], 2), {
        inputs: [media('av.mp4')],
        force: false,
        cwd: process.cwd(),
        reporter: silentReporter(),
      });
    await runWith({});
    const two = await runWith({ segmentDuration: 2 });
    expect(two.results[0]).toMatchObject({ status: 'made', segments: 6 });
    expect(checkRendition(path.join(cacheDir, 'av.mp4')).durations).toHaveLength(6);
    const absolute = await runWith({ segmentDuration: 2, publicBaseUrl: 'https://cdn.example' });
    expect(absolute.results[0].status).toBe('made');
    expect(checkRendition(path.join(cacheDir, 'av.mp4')).uris[0]).toBe('https://cdn.example/i/av.mp4/segment1_0_av.ts');
    expect((await runWith({ segmentDuration: 2, publicBaseUrl: 'https://cdn.example' })).results[0].status).toBe('reused');
  });

  it('fails bad inputs with the reason while the others complete, leaving nothing for them', async () => {
    const { cacheDir, run } = setup();
    const inputs = ['missing.mp4', 'not-an-mp4.mp4', 'empty.mp4', 'truncated.mp4', 'vp9.mp4', 'opus.mp4', 'av.mp4', 'video-only.mp4'].map(
      media,
    );
    const summary = await run(inputs);
    expect(summary).toMatchObject({ made: 2, reused: 0, failed: 6 });
    expect(summary.results.filter((r) => r.status === 'failed').map((r) => [path.basename(r.input), r.error?.code, r.dir])).toEqual([
      ['missing.mp4', 'NOT_FOUND', null],
      ['not-an-mp4.mp4', 'BAD_MEDIA', null],
      ['empty.mp4', 'BAD_MEDIA', null],
      ['truncated.mp4', 'BAD_MEDIA', null],
      ['vp9.mp4', 'UNSUPPORTED_MEDIA', null],
      ['opus.mp4', 'UNSUPPORTED_MEDIA', null],
    ]);
    expect(
      readdirSync(cacheDir)
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(['av.mp4', 'video-only.mp4']);
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses two inputs that would share a rendition path', async () => {
    const { run } = setup({ package: { concurrency: 1 } });
    const summary = await run([media('av.mp4'), 'http://127.0.0.1:9/av.mp4']); // refused before any download
    expect(summary.results[1]).toMatchObject({
      status: 'failed',
      error: { code: 'USAGE', message: `same rendition path "av.mp4" as ${media('av.mp4')}` },
    });
  });

  it('refuses a file outside the source root, whose rendition serve would never find, unless its rendition path is named', async () => {
    const other = tempDir();
    copyFileSync(media('audio-only.mp4'), path.join(other, 'talk.mp4'));
    const { cacheDir, run } = setup();
    const outside = await run([path.join(other, 'talk.mp4')]);
    expect(outside.results[0]).toMatchObject({
      status: 'failed',
      renditionPath: null,
      error: { code: 'USAGE', message: `${path.join(other, 'talk.mp4')} is outside the source root ${MEDIA_DIR}` },
    });
    const named = await run([path.join(other, 'talk.mp4')], { as: 'talks/2026/talk.mp4' });
    expect(named.results[0]).toMatchObject({
      status: 'made',
      renditionPath: 'talks/2026/talk.mp4',
      dir: path.join(cacheDir, 'talks/2026/talk.mp4'),
    });
  });

  it('lists what `derived` makes from each packaged input right after it, never for a failed one', async () => {
    const { run } = setup();
    const seen: string[] = [];
    const summary = await run([media('av.mp4'), media('not-an-mp4.mp4'), media('audio-only.mp4')], {
      derived: async ({ input, renditionPath, store }) => {
        seen.push(renditionPath);
        expect(await store.isComplete(renditionPath), renditionPath).toBe(true);
        return [
          {
            input,
            renditionPath: `${renditionPath}-x`,
            status: 'skipped',
            profile: 'x',
            reason: 'why',
            dir: null,
            segments: 0,
            bytes: 0,
            durationMs: 0,
          },
        ];
      },
    });
    expect(seen.sort()).toEqual(['audio-only.mp4', 'av.mp4']);
    expect(summary).toMatchObject({ made: 2, reused: 0, skipped: 2, failed: 1 });
    expect(summary.results.map((r) => [r.renditionPath, r.status])).toEqual([
      ['av.mp4', 'made'],
      ['av.mp4-x', 'skipped'],
      ['not-an-mp4.mp4', 'failed'],
      ['audio-only.mp4', 'made'],
      ['audio-only.mp4-x', 'skipped'],
    ]);
  });

  it('runs at most `concurrency` packagings at once', async () => {
    const log = path.join(tempDir(), 'log');
    const bin = tempDir();
    const { symlinkSync, chmodSync } = await import('node:fs');
    // records start/end around the real mp42hls to measure overlap
    writeFileSync(
      path.join(bin, 'mp42hls'),
      `#!/bin/sh\necho start >> ${log}\nsleep 0.2\n"${REAL_MP42HLS}" "$@"\ns=$?\necho end >> ${log}\nexit $s\n`,
    );
    chmodSync(path.join(bin, 'mp42hls'), 0o755);
    symlinkSync(path.join(path.dirname(REAL_MP42HLS), 'mp4info'), path.join(bin, 'mp4info'));
    const { run } = setup({ bento4: { binDir: bin }, package: { concurrency: 2 } });
    const summary = await run(['av.mp4', 'av-no-bframes.mp4', 'av-2997.mp4', 'audio-only.mp4', 'video-only.mp4'].map(media));
    expect(summary.made).toBe(5);
    let running = 0;
    let peak = 0;
    for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      running += line === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    }
    expect(peak).toBe(2);
  });

  it('downloads a URL input into the source cache and packages it under the URL path', async () => {
    const body = readFileSync(media('av.mp4'));
    const server = await httpServer((_req, res) => res.writeHead(200, { 'content-length': body.length }).end(body));
    const { cacheDir, run } = setup();
    const summary = await run([`${server.url}/shows/ep1.mp4`]);
    expect(summary.results[0]).toMatchObject({ status: 'made', renditionPath: 'shows/ep1.mp4' });
    checkRendition(path.join(cacheDir, 'shows/ep1.mp4'));
    expect(readFileSync(path.join(cacheDir, '.sources/shows/ep1.mp4')).equals(body)).toBe(true);
    expect(cacheFiles(cacheDir).filter((f) => f.startsWith('.') && !f.startsWith('.sources/'))).toEqual([]);
  });

  it('fails a URL input whose download fails, keeping no partial source', async () => {
    const body = readFileSync(media('av.mp4'));
    const server = await httpServer((req, res) => {
      if (req.url === '/missing.mp4') res.writeHead(404).end();
      else if (req.url === '/broken.mp4') res.writeHead(500).end();
      else {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000), () => res.destroy());
      }
    });
    const { cacheDir, run } = setup();
    const summary = await run([`${server.url}/missing.mp4`, `${server.url}/broken.mp4`, `${server.url}/short.mp4`]);
    expect(summary.results.map((r) => r.error?.code)).toEqual(['NOT_FOUND', 'UPSTREAM', 'UPSTREAM']);
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('keeps no downloaded source for a URL that is not packageable', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200).end(readFileSync(media('opus.mp4'))));
    const { cacheDir, run } = setup();
    const summary = await run([`${server.url}/talk.mp4`]);
    expect(summary.results[0].error?.code).toBe('UNSUPPORTED_MEDIA');
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('starts nothing new once aborted and reports the rest as cancelled', async () => {
    const { run, cacheDir } = setup({ package: { concurrency: 1 } });
    const controller = new AbortController();
    controller.abort();
    const summary = await run([media('av.mp4'), media('audio-only.mp4')], { signal: controller.signal });
    expect(summary.made).toBe(0);
    expect(summary.results.map((r) => r.error?.code)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(readdirSync(cacheDir).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('sweeps temporary directories of dead runs before it starts', async () => {
    const { cacheDir, run } = setup();
    const stale = path.join(cacheDir, '.tmp', `${'0'.repeat(20)}.${(await import('node:os')).hostname()}.999999999.deadbeef`);
    mkdirSync(stale, { recursive: true });
    writeFileSync(path.join(stale, 'raw-0.ts'), 'partial');
    await run([media('audio-only.mp4')]);
    expect(existsSync(stale)).toBe(false);
  });
});
