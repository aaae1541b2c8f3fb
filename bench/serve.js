// `casterpak serve`, measured in one run:
//  1. cold playlist latency: one request for index_0_av.m3u8 of the 10-minute file, never
//     packaged before (a fresh rendition path each time), against a direct mp42hls run on the
//     same file with the same options; interleaved, median of RUNS. Goal ≤ 1.15×.
//  2. warm segment throughput: autocannon, same concurrency and duration, against serve (one
//     process) and against nginx (one worker, sendfile on) serving the same rendition files,
//     when nginx is installed. Goal serve ≥ 0.8× nginx.
//  3. warm playlist requests per second through serve;
//  4. the RSS of each serve process (and nginx's) during 2 and 3, sampled every second: the peak.
// serve runs as operators run it (a child process of bin/casterpak.js), at --log-level warn
// (no line per request, like nginx with access_log off).
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NGINX, median, startNginx, startServe } from './lib/processes.js';
import { GENERATOR, load } from './lib/load.js';
import { sampleTreeRss } from './lib/rss.js';
import { buildMp42hlsArgs } from '../dist/lib/packaging/mp42hls-args.js';

const RUNS = Number(process.env.BENCH_RUNS) || 3;
const SEGMENT_DURATION = 10; // serve's default

async function startNginxAlias(scratch, alias, prefix) {
  if (!existsSync(NGINX)) return null;
  return startNginx(
    path.join(scratch, 'nginx'),
    ['access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;'],
    `location ${prefix} { alias ${alias}/; types { video/mp2t ts; application/vnd.apple.mpegurl m3u8; } }`,
  );
}

function timedMp42hls(ctx, out) {
  const started = process.hrtime.bigint();
  const result = spawnSync(
    path.join(ctx.bento4BinDir, 'mp42hls'),
    buildMp42hlsArgs({ source: ctx.mp4, outDir: out, segmentDuration: SEGMENT_DURATION }),
  );
  if (result.status !== 0) throw new Error(`mp42hls failed: ${String(result.stderr).slice(-300)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function timedCold(url) {
  const started = process.hrtime.bigint();
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`cold playlist: ${response.status} ${text.trim()}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function bench(ctx) {
  if (!ctx.mp4 || !ctx.renditionDir) {
    ctx.log('serve: no media (ffmpeg missing); skipped');
    return [];
  }
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-serve-'));
  const rows = [];
  try {
    // 1. Cold: each run asks for a rendition path never packaged (hard links of the same file).
    const library = path.join(scratch, 'library');
    for (let i = 0; i <= RUNS; i++) {
      await fs.mkdir(path.join(library, `r${i}`), { recursive: true });
      await fs
        .link(ctx.mp4, path.join(library, `r${i}`, 'bench.mp4'))
        .catch(() => fs.copyFile(ctx.mp4, path.join(library, `r${i}`, 'bench.mp4')));
    }
    const cold = await startServe(ctx, [
      '--cache-dir',
      path.join(scratch, 'cold-cache'),
      '--source-root',
      library,
      '--segment-duration',
      String(SEGMENT_DURATION),
    ]);
    const direct = async () => {
      const out = path.join(scratch, 'direct');
      await fs.rm(out, { recursive: true, force: true });
      await fs.mkdir(out);
      return timedMp42hls(ctx, out);
    };
    const serveMs = [];
    const directMs = [];
    try {
      await direct(); // warms the page cache for both
      await timedCold(`${cold.url}/i/r${RUNS}/bench.mp4/index_0_av.m3u8`); // and serve's code paths
      for (let i = 0; i < RUNS; i++) {
        if (i % 2 === 0) {
          directMs.push(await direct());
          serveMs.push(await timedCold(`${cold.url}/i/r${i}/bench.mp4/index_0_av.m3u8`));
        } else {
          serveMs.push(await timedCold(`${cold.url}/i/r${i}/bench.mp4/index_0_av.m3u8`));
          directMs.push(await direct());
        }
      }
    } finally {
      await cold.stop();
    }
    const coldServe = median(serveMs);
    const coldDirect = median(directMs);
    rows.push({
      name: 'cold playlist through serve (10-min 720p)',
      value: coldServe,
      unit: 'ms',
      anchor: { name: 'mp42hls alone', value: coldDirect },
      ratio: coldServe / coldDirect,
      goal: '≤ 1.15',
    });

    // 2 and 3. Warm: the rendition packaged once by bench/run.js, from its cache directory.
    const cacheDir = path.dirname(ctx.renditionDir);
    const renditionPath = path.basename(ctx.renditionDir);
    const segments = (await fs.readdir(ctx.renditionDir)).filter((n) => /^segment\d+_0_av\.ts$/.test(n));
    const prefix = `/i/${renditionPath}/`;
    const segmentPaths = segments.map((n) => prefix + n);
    const playlist = [`${prefix}index_0_av.m3u8`];
    // Each origin: warm-up (JIT, page cache), then segments, then the playlist; the RSS of each
    // of its processes sampled every second throughout, the largest peak kept.
    const measure = async (url, pid) => {
      const sampler = sampleTreeRss(pid, 1000);
      try {
        await load(url, segmentPaths.slice(0, 4), scratch);
        return { segments: await load(url, segmentPaths, scratch), playlist: await load(url, playlist, scratch) };
      } finally {
        rss.set(url, Math.max(...(await sampler.stop())));
      }
    };
    const rss = new Map();
    const ours = {};
    for (const workers of [1, 2]) {
      const warm = await startServe(ctx, [
        '--cache-dir',
        cacheDir,
        '--segment-duration',
        String(SEGMENT_DURATION),
        '--access-log',
        'off',
        '--workers',
        String(workers),
      ]);
      try {
        ours[workers] = await measure(warm.url, warm.pid);
        ours[workers].rss = rss.get(warm.url);
      } finally {
        await warm.stop();
      }
    }
    const nginx = await startNginxAlias(scratch, ctx.renditionDir, prefix);
    let theirs = null;
    if (nginx) {
      try {
        theirs = await measure(nginx.url, nginx.pid);
        theirs.rss = rss.get(nginx.url);
      } finally {
        await nginx.stop();
      }
    } else ctx.log('serve: nginx not installed; the warm figures have no anchor');
    const anchor = (value, name = 'nginx sendfile') => (theirs ? { anchor: { name, value } } : {});
    rows.push({ name: 'load generator', value: GENERATOR, unit: '', goal: '—' });
    for (const workers of [1, 2]) {
      const { segments, playlist: lists } = ours[workers];
      const label = workers === 1 ? '1 process' : `--workers ${workers}`;
      rows.push({
        name: `warm segments, ${label}`,
        value: segments.bytesPerSecond / 2 ** 20,
        unit: 'MiB/s',
        ...anchor(theirs?.segments.bytesPerSecond / 2 ** 20),
        ratio: theirs ? segments.bytesPerSecond / theirs.segments.bytesPerSecond : undefined,
        goal: '≥ 0.8',
      });
      rows.push({
        name: `warm playlist, ${label}`,
        value: lists.requestsPerSecond,
        unit: 'req/s',
        ...anchor(theirs?.playlist.requestsPerSecond),
        ratio: theirs ? lists.requestsPerSecond / theirs.playlist.requestsPerSecond : undefined,
        goal: workers === 1 ? '≥ 20,000 and ≥ 0.3' : '—',
      });
      rows.push({
        name: `warm playlist p99, ${label}`,
        value: lists.p99,
        unit: 'ms',
        ...anchor(theirs?.playlist.p99, 'nginx p99'),
        goal: '—',
      });
      rows.push({
        name: `RSS under the warm load, largest process, ${label}`,
        value: ours[workers].rss,
        unit: 'MiB',
        ...anchor(theirs?.rss, 'nginx, largest process'),
        goal: '≤ 128 MB',
      });
    }
    return rows;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
