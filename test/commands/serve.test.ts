// `casterpak serve` as operators start it (the built CLI): what it refuses before listening, what
// it says once it listens, and the access log switch.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { media } from '../helpers/bento4.js';
import { startCli, type CliResult } from '../helpers/cli.js';
import { startServe } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';

function workspace() {
  const cwd = tempDir('casterpak-serve-cli-');
  const library = path.join(cwd, 'library');
  mkdirSync(library);
  copyFileSync(media('av.mp4'), path.join(library, 'av.mp4'));
  return { cwd, library, cacheDir: path.join(cwd, 'cache') };
}

// A serve that should refuse to start: it must exit on its own; one that listens is killed.
async function refusal(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  const run = startCli(['serve', '--port', '0', ...args], { cwd, env });
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
  const result = await run.done;
  clearTimeout(timer);
  return result;
}

const jsonLines = (log: string) =>
  log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('casterpak serve refuses to start', () => {
  it('on a source root or published root that does not exist or is not a directory, naming the path and the flag, variable or key', async () => {
    const { cwd, library, cacheDir } = workspace();
    const missing = path.join(cwd, 'nonexistent');
    const file = path.join(library, 'av.mp4');
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['--source-root', missing], {}, `the source root ${missing} does not exist (--source-root)`],
      [['--source-root', file], {}, `the source root ${file} is not a directory (--source-root)`],
      [[], { CASTERPAK_SOURCE_ROOT: missing }, `the source root ${missing} does not exist (CASTERPAK_SOURCE_ROOT)`],
      [['--source-root', library, '--published-root', missing], {}, `the published root ${missing} does not exist (--published-root)`],
    ];
    for (const [args, env, message] of cases) {
      const result = await refusal(['--cache-dir', cacheDir, ...args], cwd, env);
      expect(result, message).toMatchObject({ code: 1, stderr: `casterpak: ${message}\n` });
    }
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ sourceRoot: 'nope' }));
    const fromFile = await refusal([], cwd);
    expect(fromFile.stderr).toBe(
      `casterpak: the source root ${path.join(cwd, 'nope')} does not exist (sourceRoot in ${path.join(cwd, 'casterpak.config.json')})\n`,
    );
  });

  it('on a cache directory that cannot be created or is not a directory', async () => {
    const { cwd, library } = workspace();
    const file = path.join(library, 'av.mp4');
    const below = await refusal(['--source-root', library, '--cache-dir', path.join(file, 'cache')], cwd);
    expect(below).toMatchObject({
      code: 1,
      stderr: `casterpak: the cache directory ${path.join(file, 'cache')} cannot be created: ENOTDIR (--cache-dir)\n`,
    });
    const itself = await refusal(['--source-root', library, '--cache-dir', file], cwd);
    expect(itself).toMatchObject({ code: 1, stderr: `casterpak: the cache directory ${file} is not a directory (--cache-dir)\n` });
  });

  it('on a bad value, named as it was given', async () => {
    const { cwd, library } = workspace();
    expect((await refusal(['--port', 'abc'], cwd)).stderr).toBe('casterpak: --port must be an integer from 0 to 65535, got "abc"\n');
    expect((await refusal(['--source-root', library, '--base-url', 'notaurl'], cwd)).stderr).toBe(
      'casterpak: --base-url must be an http(s) URL, got "notaurl"\n',
    );
    expect((await refusal(['--source-root', library, '--access-log', 'maybe'], cwd)).stderr).toBe(
      'casterpak: --access-log must be on or off (true or false), got "maybe"\n',
    );
    expect((await refusal(['--source-root', library, '--prune-every', 'often'], cwd)).stderr).toMatch(
      /^casterpak: --prune-every must be a duration such as 90s/,
    );
    expect((await refusal(['--source-root', library], cwd, { CASTERPAK_WORKERS: 'many' })).stderr).toBe(
      'casterpak: CASTERPAK_WORKERS must be an integer from 1 to 64, got "many"\n',
    );
  });
});

describe('casterpak serve logs', () => {
  it('one structured start-up line: where it listens, the roots, the cache, the workers and the status page', async () => {
    const { library, cacheDir } = workspace();
    const serve = await startServe(['--source-root', library, '--cache-dir', cacheDir]);
    await expect.poll(() => jsonLines(serve.stderr()).filter((l) => l.msg === 'started').length, { timeout: 5000 }).toBe(1);
    const started = jsonLines(serve.stderr()).find((l) => l.msg === 'started');
    expect(started).toMatchObject({
      level: 'info',
      url: serve.url,
      statusPage: `${serve.url}/`,
      sourceRoot: library,
      upstream: null,
      publishedRoot: null,
      cacheDir,
      workers: 1,
      accessLog: true,
    });
  });

  it('--access-log off: no line per request, but refusals and packaging runs are still logged', async () => {
    const { library, cacheDir } = workspace();
    const serve = await startServe(['--source-root', library, '--cache-dir', cacheDir, '--access-log', 'off']);
    expect((await fetch(`${serve.url}/i/av.mp4/index_0_av.m3u8`)).status).toBe(200);
    expect((await fetch(`${serve.url}/i/missing.mp4/index_0_av.m3u8`)).status).toBe(404);
    // The playlist is answered before its rendition is committed: its run is logged once that ends.
    const logged = (msg: string) => jsonLines(serve.stderr()).some((l) => l.msg === msg);
    await expect.poll(() => logged('refused') && logged('packaged'), { timeout: 5000 }).toBe(true);
    const lines = jsonLines(serve.stderr());
    expect(lines.filter((l) => l.msg === 'request')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'packaged').length).toBeGreaterThan(0);
    expect(lines.find((l) => l.msg === 'refused')).toMatchObject({ level: 'info', status: 404 });
  });
});
