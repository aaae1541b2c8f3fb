// `casterpak serve` with neither a source root nor an upstream: the current directory is the
// library (as for `package`), and a directory with nothing to serve is said once at start-up.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { defaultLibrary } from '../../src/commands/serve.js';
import { byKey } from '../../src/lib/config/origin.js';
import { defaultConfig } from '../../src/lib/config/schema.js';
import { media } from '../helpers/bento4.js';
import { startCli } from '../helpers/cli.js';
import { settled } from '../helpers/settled.js';
import { tempDir } from '../helpers/temp-dir.js';

const config = (over: object = {}) => ({ ...defaultConfig(2), cacheDir: '/nonexistent/cache', ...over });

describe('serve: the default library', () => {
  it('is the current directory when neither a source root nor an upstream is configured', async () => {
    const cwd = tempDir('casterpak-serve-library-');
    mkdirSync(path.join(cwd, 'show'));
    copyFileSync(media('av.mp4'), path.join(cwd, 'show/film.mp4'));
    const warnings: string[] = [];
    const { config: resolved, origin } = await defaultLibrary(config(), byKey, cwd, (line) => warnings.push(line));
    expect(resolved.sourceRoot).toBe(cwd);
    expect(origin('sourceRoot')).toMatch(/^the current directory/);
    expect(warnings).toEqual([]);
  });

  it('leaves a configured source root or upstream alone', async () => {
    const warn = () => expect.unreachable();
    expect((await defaultLibrary(config({ sourceRoot: '/srv/lib' }), byKey, '/tmp', warn)).config.sourceRoot).toBe('/srv/lib');
    expect((await defaultLibrary(config({ upstream: 'http://127.0.0.1:9' }), byKey, '/tmp', warn)).config.sourceRoot).toBeNull();
  });

  it('warns that nothing can be served from a directory without media files (the cache below it not counted)', async () => {
    const cwd = tempDir('casterpak-serve-empty-');
    mkdirSync(path.join(cwd, 'casterpak-cache/av.mp4'), { recursive: true });
    copyFileSync(media('av.mp4'), path.join(cwd, 'casterpak-cache/av.mp4/x.mp4'));
    const warnings: string[] = [];
    await defaultLibrary(config({ cacheDir: path.join(cwd, 'casterpak-cache') }), byKey, cwd, (line) => warnings.push(line));
    expect(warnings).toEqual([
      `nothing can be served: ${cwd} (the current directory, as neither a source root nor an upstream is configured) holds no .mp4, .m4a, .m4v, .mov file; give --source-root <dir> or --upstream <url>`,
    ]);
  });

  it('plays a film of the current directory: `casterpak serve` started there', async () => {
    const cwd = tempDir('casterpak-serve-cwd-');
    copyFileSync(media('av.mp4'), path.join(cwd, 'film.mp4'));
    const run = startCli(['serve', '--port', '0'], { cwd });
    onTestFinished(() => {
      run.child.kill('SIGTERM');
    });
    let stderr = '';
    run.child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    await expect.poll(() => /"url":"(http:[^"]+)"/.exec(stderr)?.[1], { timeout: 15_000 }).toBeTruthy();
    const url = /"url":"(http:[^"]+)"/.exec(stderr)![1];
    expect(stderr).not.toContain('warning');
    const playlist = await fetch(`${url}/i/film.mp4/index_0_av.m3u8`, { signal: AbortSignal.timeout(20_000) });
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain('segment1_0_av.ts');
    await settled(url); // answered before its rendition was committed: nothing is written once the test ends
  });
});
