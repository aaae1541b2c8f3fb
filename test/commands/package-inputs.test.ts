// `casterpak package`: which rendition path a file gets (the one serve looks it up by, below the
// source root), the refusals when there is none, `--as`, and directories as inputs.
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRendition, media } from '../helpers/bento4.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// cwd/library/show/2026/film.mp4, as an operator's library.
function library() {
  const cwd = tempDir('casterpak-package-inputs-');
  const root = path.join(cwd, 'library');
  const film = path.join(root, 'show/2026/film.mp4');
  mkdirSync(path.dirname(film), { recursive: true });
  copyFileSync(media('audio-only.mp4'), film);
  return { cwd, root, film, cacheDir: path.join(cwd, 'casterpak-cache') };
}

const json = (stdout: string) =>
  JSON.parse(stdout) as { made: number; results: Array<{ input: string; renditionPath: string; status: string }> };

describe('casterpak package: the rendition path comes from the source root', () => {
  it('takes the path below the source root, whether the root is a flag, a variable or a configuration key', async () => {
    const { cwd, root, film, cacheDir } = library();
    const flag = await runCli(['package', '--json', '--source-root', root, film], { cwd });
    expect(flag.code).toBe(0);
    expect(json(flag.stdout).results[0].renditionPath).toBe('show/2026/film.mp4');
    checkRendition(path.join(cacheDir, 'show/2026/film.mp4'));
    const env = await runCli(['package', '--json', 'library/show/2026/film.mp4'], { cwd, env: { CASTERPAK_SOURCE_ROOT: 'library' } });
    expect(json(env.stdout).results[0]).toMatchObject({ renditionPath: 'show/2026/film.mp4', status: 'reused' });
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ sourceRoot: root }));
    const file = await runCli(['package', '--json', film], { cwd });
    expect(json(file.stdout).results[0]).toMatchObject({ renditionPath: 'show/2026/film.mp4', status: 'reused' });
  });

  it('with no source root, takes the current directory as the library and says where the rendition went and its URL', async () => {
    const { cwd, cacheDir } = library();
    const result = await runCli(['package', 'library/show/2026/film.mp4'], { cwd });
    expect(result.code).toBe(0);
    checkRendition(path.join(cacheDir, 'library/show/2026/film.mp4'));
    expect(result.stdout).toContain(
      `${path.join(cacheDir, 'library/show/2026/film.mp4')} → serve answers http://127.0.0.1:8080/i/library/show/2026/film.mp4/master.m3u8\n`,
    );
  });

  it('with no source root, refuses a file outside the current directory, saying what to do, and makes nothing', async () => {
    const { cwd, cacheDir } = library();
    const result = await runCli(['package', media('av.mp4')], { cwd });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `casterpak: ${media('av.mp4')} is outside the source root ${cwd} (the current directory, as no source root is configured), so serve would never find it: ` +
        'package files below the source root (--source-root <dir>, CASTERPAK_SOURCE_ROOT or sourceRoot in the configuration), or name its rendition path with --as <rendition path>\n',
    );
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('refuses a batch with a file outside the source root before packaging any of it, naming where the root came from', async () => {
    const { cwd, root, film, cacheDir } = library();
    const result = await runCli(['package', film, media('av.mp4')], { cwd, env: { CASTERPAK_SOURCE_ROOT: root } });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `casterpak: ${media('av.mp4')} is outside the source root ${root} (CASTERPAK_SOURCE_ROOT), so serve would never find it: ` +
        'package files below the source root, or name its rendition path with --as <rendition path>\n',
    );
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('keeps URL inputs named by their URL path, with or without a source root', async () => {
    const { cwd } = library();
    // The refusal is about files: a URL goes on to its download (here refused: nothing listens on port 9).
    const result = await runCli(['package', '--json', 'http://127.0.0.1:9/shows/ep1.mp4'], { cwd });
    expect(json(result.stdout).results[0]).toMatchObject({ renditionPath: 'shows/ep1.mp4', status: 'failed' });
  });
});

describe('casterpak package: early checks', () => {
  it('refuses a cache directory it cannot use in one line, before any input', async () => {
    const { cwd, film } = library();
    const file = path.join(cwd, 'a-file');
    writeFileSync(file, 'x');
    const below = await runCli(['package', '--cache-dir', path.join(file, 'cache'), film, 'library/show/2026/film.mp4'], { cwd });
    expect(below).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `casterpak: the cache directory ${path.join(file, 'cache')} cannot be created: ENOTDIR (--cache-dir)\n`,
    });
    const notDir = await runCli(['package', film], { cwd, env: { CASTERPAK_CACHE_DIR: file } });
    expect(notDir).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `casterpak: the cache directory ${file} is not a directory (CASTERPAK_CACHE_DIR)\n`,
    });
  });
});

describe('casterpak package --as', () => {
  it('names the rendition path of one input, inside the source root or not', async () => {
    const { cwd, cacheDir } = library();
    const result = await runCli(['package', '--json', '--as', 'show/2026/clip.mp4', media('av.mp4')], { cwd });
    expect(result.code).toBe(0);
    expect(json(result.stdout).results[0]).toMatchObject({ input: media('av.mp4'), renditionPath: 'show/2026/clip.mp4', status: 'made' });
    checkRendition(path.join(cacheDir, 'show/2026/clip.mp4'));
  });

  it('is refused with more than one input or a directory, and checked like any rendition path', async () => {
    const { cwd, root, film } = library();
    const two = await runCli(['package', '--as', 'x.mp4', film, media('av.mp4')], { cwd });
    expect(two).toMatchObject({ code: 1, stderr: 'casterpak: --as names one rendition: give exactly one file or URL, not 2\n' });
    const dir = await runCli(['package', '--as', 'x.mp4', root], { cwd });
    expect(dir).toMatchObject({ code: 1, stderr: `casterpak: --as names the rendition of one file, and ${root} is a directory\n` });
    const bad = await runCli(['package', '--as', '../x.mp4', film], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^casterpak: 1 of 1 input failed\n$/);
    expect(bad.stdout).toMatch(/^failed +\S+film\.mp4 +invalid rendition path "\.\.\/x\.mp4": bad path segment "\.\."$/m);
  });
});

describe('casterpak package <directory>', () => {
  it('packages every media file below it, recursively and sorted, skipping hidden entries and not following symbolic links', async () => {
    const { cwd, root, cacheDir } = library();
    copyFileSync(media('av.mp4'), path.join(root, 'show/a.mp4'));
    copyFileSync(media('video-only.mp4'), path.join(root, 'show/2026/B.MP4'));
    writeFileSync(path.join(root, 'show/notes.txt'), 'not media');
    copyFileSync(media('av.mp4'), path.join(root, 'show/.hidden.mp4'));
    symlinkSync(media('av.mp4'), path.join(root, 'show/link.mp4'));
    const elsewhere = tempDir();
    copyFileSync(media('av.mp4'), path.join(elsewhere, 'far.mp4'));
    symlinkSync(elsewhere, path.join(root, 'show/linked-dir'));
    const result = await runCli(['package', '--json', '--source-root', 'library', 'library/show'], { cwd });
    expect(result.code).toBe(0);
    const summary = json(result.stdout);
    expect(summary.results.map((r) => [r.input, r.renditionPath, r.status])).toEqual([
      ['library/show/2026/B.MP4', 'show/2026/B.MP4', 'made'],
      ['library/show/2026/film.mp4', 'show/2026/film.mp4', 'made'],
      ['library/show/a.mp4', 'show/a.mp4', 'made'],
    ]);
    for (const r of summary.results) checkRendition(path.join(cacheDir, r.renditionPath));
    const text = await runCli(['package', '--source-root', 'library', 'library/show'], { cwd });
    expect(text.stdout.split('\n').filter((l) => l.startsWith('reused'))).toHaveLength(3);
    expect(text.stdout).toMatch(/^0 made, 3 reused, 0 failed; /m);
  });

  it('refuses a directory with no media file below it', async () => {
    const { cwd } = library();
    mkdirSync(path.join(cwd, 'library/empty'));
    const result = await runCli(['package', '--source-root', 'library', 'library/empty'], { cwd });
    expect(result).toMatchObject({
      code: 1,
      stderr: 'casterpak: no media files (.mp4, .m4a, .m4v, .mov) below the directory library/empty\n',
    });
  });
});
