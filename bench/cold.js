// Cold requests through `casterpak serve`: does a never-packaged film answer in a time that does
// not grow with its length, locally and from a remote library, and how far is it from
// nginx-vod-module? Measured side by side in one run:
//  a. the 10-minute bench film: cold playlist (index_0_av.m3u8) alone; playlist + segment 1;
//     segment 1 asked first (no playlist before);
//  b. a 2-hour film made from it by stream copy (ffmpeg -stream_loop 11 -c copy), in two
//     layouts, moov first (+faststart) and moov at the end (ffmpeg's default): cold playlist;
//     playlist + segment 1; segment 700 asked first;
//  c. anchor without nginx-vod-module: one whole-file mp42hls run on each 2-hour film
//     (casterpak's arguments), into a temporary directory;
//  d. remote: serve with --upstream pointing at a local static server with Range support (nginx,
//     one worker, or a small Node server when nginx is missing): cold playlist + segment 1 of
//     each 2-hour film, and the bytes the static server sent for it, as a fraction of the file;
//  e. casterpak's own work in a cold segment: segment 2 of the 2-hour film after its playlist
//     (whose rendition, segment 1 included, is committed first: docs/architecture.md, "A cold
//     rendition's first segment"), minus the time the mp42hls process ran, from serve's
//     Server-Timing header (mp42hls;dur:
//     from its spawn to its exit): the request as the client saw it, and as serve made it (make;dur);
//  f. RSS of the serve process after 100 cold 2-hour playlists (each on a fresh rendition path,
//     one after the other, the page cache left alone);
//  g. with `--vod <nginx>` (or BENCH_VOD): the same requests of a, b (moov first), d and f
//     against nginx-vod-module (bench/lib/vod.js, built by bench/vod/build.sh), interleaved with
//     casterpak's, each on a fresh path too, the page cache dropped before each the same way.
// With ctx.fmp4 (bench/fmp4.js) only the fMP4 and TS segment cases of fmp4Cases, median of 7,
// serve warmed on the clip's fMP4 segment too, no mp42hls anchor and no RSS.
// Every casterpak measurement starts its own serve process (bin/casterpak.js, --log-level warn)
// on a fresh cache directory and a fresh rendition path (a hard link of the film), warms serve's
// code with a 30-second clip (segment 1 asked first, then the playlist), four playlists of the
// other 2-hour film on fresh paths and three segments of the first (a running origin's code is
// compiled for long films; one case measures after one such playlist, as a new process), waits
// until the read-ahead those segments started is done (serve's /metrics), drops the page cache
// (bench/lib/cold-media.js: drop_caches as root, else fadvise per file; the output says which),
// then times the request(s) with fetch, from the first request to the last byte of the last
// response. Median of BENCH_COLD_RUNS (5, or 7 with nginx-vod-module), the cases interleaved
// round by round; when a 2-hour cold request of the first round takes > 2 s, BENCH_COLD_RUNS is
// not set and there is no nginx-vod-module, the 2-hour cases stop after 3 rounds (said in the
// output). Goals are reported, not enforced. Only 127.0.0.1; every request has a 30 s limit (a
// timed-out one counts as > 30 s); servers are stopped in finally blocks; the 2-hour films and
// the clip are made once into bench/.work/, the rest goes to a scratch directory removed at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { coldCases, coldRows, fmp4Cases, fmp4Rows } from './lib/cold-rows.js';
import { LONG_FILMS, SCENARIOS, dropPageCache, get, lastAnswer, makeMedia } from './lib/cold-media.js';
import { startServe, untilIdle } from './lib/processes.js';
import { processTree, rssMiB } from './lib/rss.js';
import { startStatics } from './lib/statics.js';
import { startVod } from './lib/vod.js';
import { wholeFileMp42hls } from './lib/whole-file.js';

const RUNS_FROM_ENV = Number(process.env.BENCH_COLD_RUNS) || 0;
const REDUCED_RUNS = 3;
const SLOW_COLD_MS = 2000; // a cold 2-hour request slower than this means whole-rendition packaging
const SEGMENT_DURATION = 10; // serve's default
const RSS_PLAYLISTS = 100;
// Long playlists in the warm-up. V8 optimises a loop some calls after it first runs, compiling it
// beside the call that runs it unoptimised: in one process, the cold 2-hour playlist after one
// long playlist took 19-32 ms, after two 25-35, after three 16-23, after four or more 14-22
// (docs/benchmarks.md, "Cold path, twelfth round").
const WARM_LONG_PLAYLISTS = 4;
const [RSS_EVERY, RSS_QUIET_MS] = [10, 5_000];

const elapsedMs = (started) => Number(process.hrtime.bigint() - started) / 1e6;
const message = (err) => (err instanceof Error ? err.message : String(err));
export async function bench(ctx) {
  if (!ctx.mp4) {
    ctx.log('cold: no media (ffmpeg missing); skipped');
    return [];
  }
  if (ctx.vod && !existsSync(ctx.vod)) throw new Error(`--vod ${ctx.vod}: no such nginx`);
  const runs = RUNS_FROM_ENV || (ctx.vod || ctx.fmp4 ? 7 : 5);
  const clip = await makeMedia(ctx);
  const scratch = await fs.mkdtemp(path.join(ctx.workDir, 'cold-scratch-')); // same file system as the films: hard links
  const library = path.join(scratch, 'library'); // --source-root, nginx-vod-module's root, the static server's root
  await fs.mkdir(path.join(library, 'warm'), { recursive: true });
  await fs.link(clip, path.join(library, 'warm', 'clip.mp4'));
  for (const film of LONG_FILMS)
    for (let k = 0; k < WARM_LONG_PLAYLISTS; k++) await fs.link(film.path, path.join(library, 'warm', `long-${film.layout}-${k}.mp4`));
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  const dropMethods = new Set();
  const drop = (source) => {
    const method = dropPageCache([source, clip]);
    if (!dropMethods.has(method)) ctx.log(`cold: page cache ${method ? `dropped before each cold request (${method})` : 'NOT dropped'}`);
    dropMethods.add(method);
  };

  let statics = null;
  let vod = null;
  let measured = 0;
  // A fresh rendition path in the library for one measurement: { name, dir, file }.
  const freshPath = async (source) => {
    const name = `m${++measured}`;
    const dir = path.join(library, name);
    await fs.mkdir(dir);
    await fs.link(source, path.join(dir, path.basename(source)));
    return { name, dir, file: path.basename(source) };
  };
  const timed = async (scenario, base, failed) => {
    const t0 = process.hrtime.bigint();
    const since = Date.now();
    try {
      const bytes = await SCENARIOS[scenario](base);
      return { ms: elapsedMs(t0), since, segmentBytes: bytes, error: null };
    } catch (err) {
      if (err?.name === 'TimeoutError') return { ms: Infinity, error: null };
      return { ms: NaN, error: failed(err) };
    }
  };

  // One cold casterpak measurement: fresh serve, fresh cache directory, fresh rendition path. A
  // failure (serve not starting, an error answer) is the sample's error; a timeout > 30 s.
  async function measureServe(c) {
    const { name, dir, file } = await freshPath(c.source);
    const cacheDir = path.join(scratch, `cache-${name}`);
    let serve = null;
    let sample = { ms: NaN, error: null };
    try {
      const args = ['--segment-duration', String(SEGMENT_DURATION), '--cache-dir', cacheDir];
      args.push(...(c.remote ? ['--upstream', statics.url] : ['--source-root', library]));
      serve = await startServe(ctx, args);
      const served = serve;
      const failed = (err) => `${message(err)} ${served.stderr().trim().split('\n').slice(-2).join(' | ')}`.trim();
      try {
        await SCENARIOS.segment1(`${serve.url}/i/warm/clip.mp4`); // serve's code paths, fetch's too
        await SCENARIOS.playlist(`${serve.url}/i/warm/clip.mp4`);
        // A running origin has made long films' playlists and segments before: its code is
        // compiled for them (the first 2-hour moov in a new process costs 2-3 x a later one, the
        // first segment half as much again, V8 compiling their loops). Another film than the one
        // measured, so nothing of it is cached, on WARM_LONG_PLAYLISTS fresh paths (c.warmLong
        // for the case measuring a new process).
        const other = LONG_FILMS.find((film) => film.path !== c.source) ?? LONG_FILMS[0];
        for (let k = 0; k < (c.warmLong ?? WARM_LONG_PLAYLISTS); k++) {
          const warmBase = `${serve.url}/i/warm/long-${other.layout}-${k}.mp4`;
          await SCENARIOS.playlist(warmBase);
          if (k === 0) for (let n = 2; n <= 4; n++) await get(`${warmBase}/segment${n}_0_av.ts`);
        }
        if (c.fmp4) await SCENARIOS.fmp4Segment1(`${serve.url}/i/warm/clip.mp4`);
        await untilIdle(serve.url); // the warm-up's read-ahead done: the two cores are the measured request's
      } catch (err) {
        throw new Error(`warm-up: ${failed(err)}`);
      }
      const base = `${serve.url}/i/${name}/${file}`;
      if (c.before) {
        await SCENARIOS[c.before](base);
        await untilIdle(serve.url); // its rendition committed: the measured request makes a segment alone
      }
      drop(c.source);
      // The media is cold, the programs are not (a running origin's code and a packager used
      // every few seconds stay in memory): page serve's and fetch's code and mp42hls back in.
      await (await fetch(`${serve.url}/healthz`)).text();
      spawnSync(path.join(ctx.bento4BinDir, 'mp42hls'), [], { stdio: 'ignore' });
      sample = await timed(c.scenario, base, failed);
    } catch (err) {
      sample.error = message(err);
    } finally {
      await serve?.stop();
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
    if (c.key === 'own' && !sample.error) {
      // serve's own account (src/lib/origin/rendition-routes.ts): make;dur=…, mp42hls;dur=…
      const timing = /make;dur=([\d.]+), mp42hls;dur=([\d.]+)/.exec(lastAnswer.serverTiming ?? '');
      if (timing) [sample.makeMs, sample.toolMs] = [Number(timing[1]), Number(timing[2])];
    }
    if (c.remote) sample.bytes = await statics.bytesSent(`/${name}/`);
    await fs.rm(dir, { recursive: true, force: true });
    return sample;
  }

  // The same request(s) against nginx-vod-module, which keeps running (it caches nothing).
  async function measureVod(c) {
    const { name, dir, file } = await freshPath(c.source);
    const base = `${vod.url}/${c.remote ? 'r' : 'i'}/${name}/${file}`;
    if (c.before) await SCENARIOS[c.before](base).catch(() => {});
    drop(c.source);
    await (await fetch(`${vod.url}/healthz`)).text();
    const sample = await timed(c.scenario, base, message);
    if (c.remote) sample.bytes = await statics.bytesSent(`/${name}/`);
    await fs.rm(dir, { recursive: true, force: true });
    return sample;
  }

  // RSS after RSS_PLAYLISTS cold 2-hour playlists through one server (`startAt(base)` gives the
  // URL base of a fresh path); the figures per process of its tree (MiB), and the failures. The
  // figure right after the last one swings with where the last collection fell (100-146 MiB for
  // the same code), so also the highest of the samples every RSS_EVERY playlists, and the figure
  // RSS_QUIET_MS later, after serve's idle collection (origin/http/idle-collection.ts: 3 s quiet).
  async function rssAfterPlaylists(pid, baseOf) {
    const sample = async () => Promise.all((await processTree(pid)).map((p) => rssMiB(p)));
    let failures = 0;
    let highest = [];
    for (let i = 0; i < RSS_PLAYLISTS; i++) {
      const { name, dir, file } = await freshPath(LONG_FILMS[0].path);
      await SCENARIOS.playlist(baseOf(name, file)).catch(() => failures++);
      await fs.rm(dir, { recursive: true, force: true });
      if ((i + 1) % RSS_EVERY === 0) highest = (await sample()).map((m, k) => Math.max(m, highest[k] ?? 0));
    }
    const rss = await sample();
    await new Promise((resolve) => setTimeout(resolve, RSS_QUIET_MS));
    return { rss, highest, quiet: await sample(), failures };
  }

  const conditionsOf = () =>
    [
      `page cache ${[...dropMethods].map((m) => m ?? 'NOT dropped').join('/')} before each`,
      `median of ${runs} (10 min), ${longRuns} (2 h)${longRuns < runs ? ' (reduced: slow cold requests)' : ''}`,
      statics?.kind ?? 'no static server',
      `load ${loadBefore.toFixed(1)}→${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
      `${((Date.now() - started) / 1000).toFixed(0)} s`,
    ].join('; ');
  const cases = ctx.fmp4 ? fmp4Cases(ctx.mp4, LONG_FILMS) : coldCases(ctx.mp4, LONG_FILMS);
  for (const c of cases) Object.assign(c, { samples: [], vodSamples: [] });
  const anchors = {};
  const rss = {};
  let longRuns = runs;
  try {
    for (const film of ctx.fmp4 ? [] : LONG_FILMS) {
      anchors[film.layout] = wholeFileMp42hls(ctx, film, path.join(scratch, `mp42hls-${film.layout}`), SEGMENT_DURATION, () =>
        drop(film.path),
      );
    }
    statics = await startStatics(path.join(scratch, 'nginx'), library);
    ctx.log(`cold: remote library served by ${statics.kind} at ${statics.url}`);
    if (ctx.vod) {
      vod = await startVod({
        binary: ctx.vod,
        dir: path.join(scratch, 'vod'),
        library,
        upstreamUrl: statics.url,
        segmentDuration: SEGMENT_DURATION,
      });
      ctx.log(`cold: nginx-vod-module (${ctx.vod}) at ${vod.url}`);
    }

    // a, b, d, e, g, interleaved round by round; casterpak first in odd rounds, nginx-vod-module
    // first in even ones.
    for (let round = 0; round < runs; round++) {
      for (const c of cases) {
        if (c.long && round >= longRuns) continue;
        const order = vod && c.vod ? (round % 2 ? ['vod', 'serve'] : ['serve', 'vod']) : ['serve'];
        for (const who of order) {
          const sample = who === 'vod' ? await measureVod(c) : await measureServe(c);
          (who === 'vod' ? c.vodSamples : c.samples).push(sample);
          const shown = sample.error
            ? `error: ${sample.error}`
            : sample.ms === Infinity
              ? 'timeout (> 30 s)'
              : `${sample.ms.toFixed(1)} ms`;
          const extra = `${sample.bytes === undefined ? '' : `, ${sample.bytes} bytes from upstream`}${sample.toolMs === undefined ? '' : `, mp42hls ${sample.toolMs.toFixed(1)} ms`}`;
          ctx.log(`cold: round ${round + 1}, ${c.label}, ${who === 'vod' ? 'nginx-vod-module' : 'casterpak'}: ${shown}${extra}`);
        }
      }
      if (round === 0 && !RUNS_FROM_ENV && !vod && !ctx.fmp4 && runs > REDUCED_RUNS) {
        const slow = cases.some((c) => c.long && c.samples.some((s) => s.error || s.ms > SLOW_COLD_MS));
        if (slow) {
          longRuns = REDUCED_RUNS;
          ctx.log(`cold: a 2-hour cold request took > ${SLOW_COLD_MS} ms: the 2-hour cases stop after ${REDUCED_RUNS} rounds`);
        }
      }
    }

    // f. RSS after 100 cold 2-hour playlists, one server each.
    if (ctx.fmp4) return fmp4Rows({ cases, vod: Boolean(vod), conditions: conditionsOf() });
    const cacheDir = path.join(scratch, 'cache-rss');
    const rssArgs = ['--segment-duration', String(SEGMENT_DURATION), '--cache-dir', cacheDir, '--source-root', library];
    const serve = await startServe(ctx, rssArgs);
    try {
      rss.serve = await rssAfterPlaylists(serve.pid, (name, file) => `${serve.url}/i/${name}/${file}`);
    } finally {
      await serve.stop();
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
    if (vod) rss.vod = await rssAfterPlaylists(vod.pid, (name, file) => `${vod.url}/i/${name}/${file}`);
    for (const [who, r] of Object.entries(rss))
      ctx.log(
        `cold: RSS after ${RSS_PLAYLISTS} cold 2-hour playlists, ${who}: ${r.rss.map((m) => `${m.toFixed(0)} MiB`).join(', ')}; highest every ${RSS_EVERY}: ${r.highest.map((m) => `${m.toFixed(0)} MiB`).join(', ')}; ${RSS_QUIET_MS / 1000} s later: ${r.quiet.map((m) => `${m.toFixed(0)} MiB`).join(', ')}${r.failures ? ` (${r.failures} failed)` : ''}`,
      );
  } finally {
    await vod?.stop();
    await statics?.stop();
    await fs.rm(scratch, { recursive: true, force: true });
  }

  return coldRows({ cases, films: LONG_FILMS, anchors, rss, vod: Boolean(vod), conditions: conditionsOf(), rssPlaylists: RSS_PLAYLISTS });
}
