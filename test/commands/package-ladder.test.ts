import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { media } from '../helpers/bento4.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// A tiny ladder for the 320x180 fixtures: 240p above them, the others below.
const CONFIG = {
  renditions: {
    ladder: {
      '240p': { height: 240, videoBitrate: '300k', profile: 'main', level: '3.0' },
      // Below av.mp4's own rates (renditions/rate-cap.ts): a profile lowered under its source is encoded alone.
      '144p': { height: 144, videoBitrate: '110k', profile: 'main', level: '3.0' },
      '90p': { height: 90, videoBitrate: '80k', profile: 'baseline', level: '3.0' },
    },
  },
  segmentDuration: 4,
};

function workspace() {
  const cwd = tempDir('casterpak-cli-');
  mkdirSync(path.join(cwd, 'library'));
  copyFileSync(media('av.mp4'), path.join(cwd, 'library/av.mp4'));
  writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ ...CONFIG, sourceRoot: 'library', cacheDir: 'cache' }));
  return { cwd, cacheDir: path.join(cwd, 'cache') };
}

const renditions = (cacheDir: string) =>
  existsSync(cacheDir)
    ? readdirSync(cacheDir)
        .filter((n) => !n.startsWith('.'))
        .sort()
    : [];

describe('casterpak package --ladder', () => {
  it('makes the source and each profile below it, shows a skipped one with its reason, and sums up', async () => {
    const { cwd, cacheDir } = workspace();
    const result = await runCli(['package', '--ladder', 'library/av.mp4'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^made +library\/av\.mp4 +3 segments → /m);
    expect(result.stdout).toMatch(/^skipped library\/av\.mp4 \(240p\) +the source is 320x180: 240 lines would upscale it$/m);
    expect(result.stdout).toMatch(new RegExp(`^made +library/av\\.mp4 \\(144p\\) +3 segments → ${cacheDir}/av_144p\\.mp4$`, 'm'));
    expect(result.stdout).toMatch(/^made +library\/av\.mp4 \(90p\) +3 segments/m);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^3 made, 0 reused, 1 skipped, 0 failed; /);
    expect(renditions(cacheDir)).toEqual(['av.mp4', 'av_144p.mp4', 'av_90p.mp4']);
  });

  it('--profiles makes only those (implying --ladder), with one JSON item per rendition and its profile', async () => {
    const { cwd, cacheDir } = workspace();
    const result = await runCli(['package', '--profiles', '90p', '--json', 'library/av.mp4'], { cwd });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ made: 2, reused: 0, skipped: 0, failed: 0 });
    expect(summary.results).toEqual([
      expect.objectContaining({ input: 'library/av.mp4', renditionPath: 'av.mp4', status: 'made', segments: 3 }),
      expect.objectContaining({
        input: 'library/av.mp4',
        renditionPath: 'av_90p.mp4',
        status: 'made',
        profile: '90p',
        dir: path.join(cacheDir, 'av_90p.mp4'),
        segments: 3,
      }),
    ]);
    expect(summary.results[0].profile).toBeUndefined();
    expect(summary.bytes).toBe(summary.results[0].bytes + summary.results[1].bytes);
    expect(renditions(cacheDir)).toEqual(['av.mp4', 'av_90p.mp4']);

    const again = JSON.parse((await runCli(['package', '--profiles', '90p,240p', '--json', 'library/av.mp4'], { cwd })).stdout);
    expect(again.results.map((r: { status: string; profile?: string }) => [r.profile, r.status])).toEqual([
      [undefined, 'reused'],
      ['90p', 'reused'],
      ['240p', 'skipped'],
    ]);
  });

  it('refuses a profile not in the ladder in one line naming its profiles, before packaging anything', async () => {
    const { cwd, cacheDir } = workspace();
    const result = await runCli(['package', '--profiles', '90p,480p', 'library/av.mp4'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('casterpak: no profile 480p in the ladder: give some of 240p, 144p, 90p (renditions.ladder)\n');
    expect(result.stdout).toBe('');
    expect(renditions(cacheDir)).toEqual([]);
  });

  it('says which rendition failed with --json when one did', async () => {
    const { cwd } = workspace();
    const ffmpeg = path.join(cwd, 'ffmpeg');
    // Passes the start-up check (an encoder list with libx264), fails every encode.
    writeFileSync(
      ffmpeg,
      '#!/bin/sh\ncase "$*" in *-encoders*) echo " V..... libx264   H.264";; *-version*) echo "ffmpeg version fake";; *) echo "no encode" >&2; exit 1;; esac\n',
      { mode: 0o755 },
    );
    const result = await runCli(['package', '--profiles', '90p', '--ffmpeg', ffmpeg, '--json', 'library/av.mp4'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^casterpak: av_90p\.mp4: .*no encode/);
    expect(JSON.parse(result.stdout)).toMatchObject({ made: 1, failed: 1 });
  });
});
