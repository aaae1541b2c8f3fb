// Derived renditions (docs/renditions.md): is a cold derived segment about as fast as ffmpeg
// transcoding that range alone, and `package --ladder` about as fast as one ffmpeg run encoding
// the whole ladder? Side by side in one run, with the ffmpeg casterpak uses (the
// @ffmpeg-installer binary) and encodeArgs' x264 settings (imported from dist/) for the anchors:
//  a. a cold 720p segment (segment 30, the middle) of the 10-minute 720p film through
//     `casterpak serve`: a fresh serve process and cache directory each round (--read-ahead 0),
//     warmed by a derived segment of a 30-second clip, the playlist asked first and untimed,
//     then the segment timed from request to last byte; against ffmpeg encoding that 10-second
//     range (the source rendition's segment 30: the same frames) to 720p alone. Interleaved, median of
//     BENCH_RENDITIONS_RUNS (5). Also serve's time ÷ the segment's duration.
//  b. `casterpak package --ladder --profiles 720p,540p,360p` of the film (a fresh cache
//     directory; it packages the source rendition too) against one ffmpeg run encoding the same
//     three profiles from one decode (split, three scaled outputs). BENCH_RENDITIONS_LADDER_RUNS
//     (1) rounds: each side takes minutes on 2 cores.
// The page cache is not dropped: both sides are CPU-bound and read the same file. Goals are
// reported, not enforced. Scratch files go to a directory removed at the end.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, startServe } from './lib/processes.js';
import { DEFAULT_LADDER } from '../dist/lib/config/ladder.js';
import { encodeArgs, targetSize } from '../dist/lib/renditions/ladder-plan.js';

const RUNS = Number(process.env.BENCH_RENDITIONS_RUNS) || 5;
const LADDER_RUNS = Number(process.env.BENCH_RENDITIONS_LADDER_RUNS) || 1;
const SEGMENT_DURATION = 10; // serve's and package's default
const SEGMENT = 30; // of the film's 60
const LADDER = ['720p', '540p', '360p'];
const SOURCE = { width: 1280, height: 720 };
const FFMPEG = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;
const TOOL_TIMEOUT_MS = 20 * 60_000;
const REQUEST_TIMEOUT_MS = 120_000;

const elapsedMs = (started) => Number(process.hrtime.bigint() - started) / 1e6;

function run(command, args, what) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: TOOL_TIMEOUT_MS });
  if (result.status !== 0)
    throw new Error(`${what} failed (${result.status ?? result.signal}): ${(result.stderr || '').trim().slice(-300)}`);
  return result.stdout;
}

function timed(command, args, what) {
  const started = process.hrtime.bigint();
  const stdout = run(command, args, what);
  return { ms: elapsedMs(started), stdout };
}

const outputs = (dir, names) =>
  names.map((name) => ({
    profile: DEFAULT_LADDER[name],
    size: targetSize(SOURCE, DEFAULT_LADDER[name]),
    file: path.join(dir, `${name}.mp4`),
  }));

async function get(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${body.toString('utf8', 0, 200).trim()}`);
  if (url.endsWith('.ts') && (body.length === 0 || body.length % 188 !== 0 || body[0] !== 0x47))
    throw new Error(`${url}: not MPEG-TS (${body.length} bytes)`);
  return body;
}

// a. One cold derived segment through a fresh serve process; ms from request to last byte.
async function coldSegment(ctx, library, cacheDir) {
  const serve = await startServe(ctx, [
    '--source-root',
    library,
    '--cache-dir',
    cacheDir,
    '--read-ahead',
    '0',
    '--segment-duration',
    String(SEGMENT_DURATION),
  ]);
  try {
    await get(`${serve.url}/i/warm/clip_720p.mp4/segment2_0_av.ts`); // serve's code, ffmpeg's binary
    await get(`${serve.url}/i/film_720p.mp4/index_0_av.m3u8`);
    const started = process.hrtime.bigint();
    await get(`${serve.url}/i/film_720p.mp4/segment${SEGMENT}_0_av.ts`);
    return elapsedMs(started);
  } catch (error) {
    throw new Error(`${error.message} ${serve.stderr().trim().split('\n').slice(-2).join(' | ')}`);
  } finally {
    await serve.stop();
    await fs.rm(cacheDir, { recursive: true, force: true });
  }
}

export async function bench(ctx) {
  if (!ctx.mp4) {
    ctx.log('renditions: no media (ffmpeg missing); skipped');
    return [];
  }
  const scratch = await fs.mkdtemp(path.join(ctx.workDir, 'renditions-scratch-')); // hard links to the film
  const loadBefore = os.loadavg()[0];
  try {
    const library = path.join(scratch, 'library');
    await fs.mkdir(path.join(library, 'warm'), { recursive: true });
    await fs.link(ctx.mp4, path.join(library, 'film.mp4'));
    const clip = path.join(ctx.workDir, 'bench-30s-clip.mp4'); // cold.js makes it the same way
    if (!existsSync(clip)) {
      const part = `${clip}.part-${process.pid}.mp4`;
      run(
        FFMPEG,
        ['-hide_banner', '-v', 'error', '-y', '-i', ctx.mp4, '-t', '30', '-c', 'copy', '-movflags', '+faststart', part],
        'the 30-s clip',
      );
      await fs.rename(part, clip);
    }
    await fs.link(clip, path.join(library, 'warm', 'clip.mp4'));
    // The segment's range, exactly its frames: the source rendition's segment (MPEG-TS, stream
    // copy by mp42hls; ffmpeg's -ss/-t on the MP4 cuts by presentation time and takes B-frames
    // beyond it), packaged into the scratch directory.
    const sourceCache = path.join(scratch, 'cache-source');
    run(
      process.execPath,
      [ctx.casterpakBin, 'package', '--json', '--cache-dir', sourceCache, '--source-root', library, path.join(library, 'film.mp4')],
      'casterpak package',
    );
    const range = path.join(sourceCache, 'film.mp4', `segment${SEGMENT}_0_av.ts`);
    const encoded = path.join(scratch, 'encoded');
    await fs.mkdir(encoded);

    const serveMs = [];
    const aloneMs = [];
    for (let round = 1; round <= RUNS; round++) {
      serveMs.push(await coldSegment(ctx, library, path.join(scratch, `cache-a${round}`)));
      aloneMs.push(timed(FFMPEG, encodeArgs(range, outputs(encoded, ['720p'])), 'ffmpeg on the range').ms);
      ctx.log(
        `renditions: round ${round}: cold derived segment via serve ${serveMs.at(-1).toFixed(0)} ms, ffmpeg alone ${aloneMs.at(-1).toFixed(0)} ms`,
      );
    }

    const packageMs = [];
    const ladderMs = [];
    for (let round = 1; round <= LADDER_RUNS; round++) {
      const cacheDir = path.join(scratch, `cache-b${round}`);
      const args = [
        ctx.casterpakBin,
        'package',
        '--json',
        '--profiles',
        LADDER.join(','),
        '--cache-dir',
        cacheDir,
        '--source-root',
        library,
        path.join(library, 'film.mp4'),
      ];
      const { ms, stdout } = timed(process.execPath, args, 'casterpak package --ladder');
      const summary = JSON.parse(stdout);
      if (summary.made !== 1 + LADDER.length) throw new Error(`package --ladder made ${summary.made} renditions, not ${1 + LADDER.length}`);
      packageMs.push(ms);
      await fs.rm(cacheDir, { recursive: true, force: true });
      ladderMs.push(timed(FFMPEG, encodeArgs(path.join(library, 'film.mp4'), outputs(encoded, LADDER)), 'ffmpeg ladder').ms);
      ctx.log(
        `renditions: round ${round}: package --ladder ${(ms / 1000).toFixed(1)} s, one ffmpeg run ${(ladderMs.at(-1) / 1000).toFixed(1)} s`,
      );
    }

    const serveMedian = median(serveMs);
    const aloneMedian = median(aloneMs);
    const packageMedian = median(packageMs);
    const ladderMedian = median(ladderMs);
    ctx.log(`renditions: load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after`);
    return [
      {
        name: `cold derived 720p segment ${SEGMENT} via serve, 10-min 720p`,
        value: serveMedian,
        unit: 'ms',
        samples: serveMs,
        anchor: { name: 'ffmpeg alone on that 10-s range', value: aloneMedian, samples: aloneMs },
        ratio: serveMedian / aloneMedian,
        goal: '≤ 1.3',
      },
      { name: 'the same ÷ segment duration', value: serveMedian / (SEGMENT_DURATION * 1000), unit: '× real time', goal: '< 1' },
      {
        name: `package --ladder --profiles ${LADDER.join(',')}, 10-min 720p`,
        value: packageMedian / 1000,
        unit: 's',
        samples: packageMs,
        anchor: { name: 'one ffmpeg run, 3 outputs', value: ladderMedian / 1000, samples: ladderMs },
        ratio: packageMedian / ladderMedian,
        goal: '≤ 1.5',
      },
    ];
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
