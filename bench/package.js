// `casterpak package` against a direct mp42hls run on the same file with the same options
// (--segment-duration 10, outputs in a fresh temporary directory). Runs are interleaved so
// both see the same page cache and machine load; the median of RUNS each is reported.
// Goal: casterpak's overhead at most 10% (ratio ≤ 1.10).
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildMp42hlsArgs } from '../dist/lib/packaging/mp42hls-args.js';

const RUNS = Number(process.env.BENCH_RUNS) || 3; // median of RUNS each; BENCH_RUNS=7 on a busy machine
const SEGMENT_DURATION = 10;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timed(command, args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${path.basename(command)} failed (${result.status ?? result.signal}): ${(result.stderr || '').trim().slice(-300)}`);
  return ms;
}

export async function bench(ctx) {
  if (!ctx.mp4) {
    ctx.log('package: no media (ffmpeg missing); skipped');
    return [];
  }
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-package-'));
  const cacheDir = path.join(scratch, 'cache');
  const mp42hls = path.join(ctx.bento4BinDir, 'mp42hls');
  const direct = async () => {
    const out = path.join(scratch, 'direct');
    await fs.rm(out, { recursive: true, force: true });
    await fs.mkdir(out);
    return timed(mp42hls, buildMp42hlsArgs({ source: ctx.mp4, outDir: out, segmentDuration: SEGMENT_DURATION }));
  };
  const casterpak = async () =>
    timed(process.execPath, [
      ctx.casterpakBin,
      'package',
      '--force',
      '--json',
      '--segment-duration',
      String(SEGMENT_DURATION),
      '--cache-dir',
      cacheDir,
      '--source-root',
      path.dirname(ctx.mp4),
      ctx.mp4,
    ]);
  // Node's start-up plus loading the package command (execa, commander…): a fixed cost per
  // invocation, whatever the file, shown apart so the ratio can be read for longer files.
  const startup = async () => timed(process.execPath, [ctx.casterpakBin, 'package', '--help']);
  try {
    // One untimed run of each warms the page cache and creates the rendition --force replaces.
    await direct();
    await casterpak();
    const directMs = [];
    const casterpakMs = [];
    const startupMs = [];
    for (let i = 0; i < RUNS; i++) {
      startupMs.push(await startup());
      // Alternate which goes first so neither always inherits the other's dirty pages.
      if (i % 2 === 0) {
        directMs.push(await direct());
        casterpakMs.push(await casterpak());
      } else {
        casterpakMs.push(await casterpak());
        directMs.push(await direct());
      }
    }
    ctx.log(
      `package: mp42hls ${directMs.map((v) => v.toFixed(0)).join('/')} ms, casterpak ${casterpakMs.map((v) => v.toFixed(0)).join('/')} ms, start-up ${startupMs.map((v) => v.toFixed(0)).join('/')} ms`,
    );
    const ours = median(casterpakMs);
    const theirs = median(directMs);
    const fixed = median(startupMs);
    return [
      {
        name: `casterpak package, 10-min 720p MP4 (median of ${RUNS})`,
        value: ours,
        unit: 'ms',
        anchor: { name: 'mp42hls alone', value: theirs },
        ratio: ours / theirs,
        goal: '≤ 1.10',
      },
      {
        name: `casterpak start-up (casterpak package --help, median of ${RUNS})`,
        value: fixed,
        unit: 'ms',
        goal: '—',
      },
      {
        name: 'casterpak package after start-up (the first figure minus start-up)',
        value: ours - fixed,
        unit: 'ms',
        anchor: { name: 'mp42hls alone', value: theirs },
        ratio: (ours - fixed) / theirs,
        goal: '—',
      },
    ];
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
