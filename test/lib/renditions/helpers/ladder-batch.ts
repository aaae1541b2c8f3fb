// package --ladder as the tests run it: a library of fixtures, a cache, the npm ffmpeg behind a
// script that logs each run's arguments, and runPackageJob with createLadderBatch.
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { validateConfig } from '../../../../src/lib/config/schema.js';
import { runPackageJob } from '../../../../src/lib/packaging/package-runner.js';
import { createLadderBatch } from '../../../../src/lib/renditions/ladder-batch.js';
import { silentReporter } from '../../../../src/lib/shared/reporter.js';
import { media } from '../../../helpers/bento4.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const REAL_FFMPEG: string = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;

// The fixtures are 320x180: 240p would upscale them; 144p, 120p and 90p are below.
export const LADDER_INPUT = {
  '240p': { height: 240, videoBitrate: '300k', profile: 'main', level: '3.0' },
  '144p': { height: 144, videoBitrate: '110k', profile: 'main', level: '3.0' }, // below av.mp4 (rate-cap.ts)
  '120p': { height: 120, videoBitrate: '100k', profile: 'main', level: '3.0' },
  '90p': { height: 90, videoBitrate: '80k', profile: 'baseline', level: '3.0' },
};

// The npm ffmpeg behind a script that logs each run's arguments.
export function ffmpegWrapper(failEncodes = false) {
  const dir = tempDir('casterpak-ffmpeg-');
  const log = path.join(dir, 'runs.log');
  const file = path.join(dir, 'ffmpeg');
  writeFileSync(
    file,
    [
      '#!/usr/bin/env bash',
      `printf '%s\\n' "$*" >> '${log}'`,
      failEncodes ? 'case "$*" in *-filter_complex*) echo "wrapped failure" >&2; exit 1;; esac' : '',
      `exec '${REAL_FFMPEG}' "$@"`,
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  const encodes = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.includes('-filter_complex'))
      : [];
  return { path: file, encodes, reset: () => rmSync(log, { force: true }) };
}

export function setup(
  ffmpeg: { path: string },
  files: Record<string, string> = { 'av.mp4': 'av.mp4' },
  ladder: Record<string, unknown> = LADDER_INPUT,
) {
  const library = tempDir('casterpak-library-');
  for (const [name, fixture] of Object.entries(files)) copyFileSync(media(fixture), path.join(library, name));
  const cacheDir = tempDir('casterpak-cache-');
  const config = validateConfig(
    [
      {
        cacheDir,
        sourceRoot: library,
        segmentDuration: 4,
        package: { concurrency: 2 },
        renditions: { ladder },
        ffmpeg: { path: ffmpeg.path },
      },
    ],
    2,
  );
  const run = (names: string[] | null, force = false, inputs = ['av.mp4']) => {
    const batch = createLadderBatch(config, {
      ffmpeg: { path: ffmpeg.path, version: 'wrapped' },
      names,
      force,
      cwd: library,
      reporter: silentReporter(),
    });
    return runPackageJob(config, { inputs, force, cwd: library, reporter: silentReporter(), ...batch });
  };
  return { library, cacheDir, run };
}

export const segmentsOf = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((n) => n.endsWith('.ts'))
      .map((n) => [n, readFileSync(path.join(dir, n))]),
  );
