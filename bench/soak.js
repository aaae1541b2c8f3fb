// Soak (opt-in: `node bench/run.js soak`; BENCH_SOAK_SECONDS, default 600): does a serve process
// keep its memory flat under a long mixed load? One `casterpak serve` (--log-level warn, access
// log off) on a fresh cache directory, for the whole run:
//  - warm load: 4 clients, one request after the other each, over the playlist and segments of
//    the 10-minute film (packaged by the first requests, warm after);
//  - cold load: every 5 s a film never asked before (a fresh hard link), alternately the 2-hour
//    film (playlist and one segment chosen at random) and the 10-minute one (playlist, segment 1);
//  - RSS of each serve process read from /proc every 10 s.
// Reports the RSS at the first sample, its peak and at the end, and the growth: last minus first
// sample, and the least-squares slope over the run in MiB per 10 minutes. Goals (issue #23):
// ≤ 128 MB per process, no growth. Only 127.0.0.1; every request has a 30 s limit; serve is
// stopped and the scratch directory removed in finally blocks.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LONG_FILMS, get, makeMedia } from './lib/cold-media.js';
import { sleep, startServe } from './lib/processes.js';
import { processTree, rssMiB } from './lib/rss.js';

export const optIn = true;

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS) || 600;
const SAMPLE_MS = 10_000;
const COLD_EVERY_MS = 5_000;
const CLIENTS = 4;

const segmentsOf = (playlist) =>
  playlist
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

// Least-squares slope of `points` ({ t: seconds, mib }), in MiB per second.
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mm = points.reduce((a, p) => a + p.mib, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.mib - mm), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return num / den;
}

export async function bench(ctx) {
  if (!ctx.mp4) {
    ctx.log('soak: no media (ffmpeg missing); skipped');
    return [];
  }
  await makeMedia(ctx);
  const scratch = await fs.mkdtemp(path.join(ctx.workDir, 'soak-scratch-')); // same file system as the films: hard links
  const library = path.join(scratch, 'library');
  await fs.mkdir(path.join(library, 'warm'), { recursive: true });
  await fs.link(ctx.mp4, path.join(library, 'warm', 'film.mp4'));
  const counts = { warm: 0, cold: 0, errors: 0 };
  const samples = [];
  let lastError = '';
  const serve = await startServe(ctx, [
    '--segment-duration',
    '10',
    '--cache-dir',
    path.join(scratch, 'cache'),
    '--source-root',
    library,
    '--access-log',
    'off',
  ]);
  const fail = (err) => {
    counts.errors++;
    lastError = err instanceof Error ? err.message : String(err);
  };
  try {
    const base = `${serve.url}/i/warm/film.mp4`;
    const paths = ['index_0_av.m3u8', ...segmentsOf((await get(`${base}/index_0_av.m3u8`)).toString('utf8'))];
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    ctx.log(`soak: ${SECONDS} s against ${serve.url}, RSS every ${SAMPLE_MS / 1000} s`);

    const warmClient = async (k) => {
      for (let i = k; Date.now() < deadline; i += CLIENTS) {
        await get(`${base}/${paths[i % paths.length]}`).then(() => counts.warm++, fail);
      }
    };
    const coldLoad = async () => {
      for (let n = 0; Date.now() < deadline; n++) {
        const next = Date.now() + COLD_EVERY_MS;
        const source = n % 2 === 0 ? LONG_FILMS[0].path : ctx.mp4;
        const dir = path.join(library, `c${n}`);
        await fs.mkdir(dir);
        await fs.link(source, path.join(dir, 'film.mp4'));
        const cold = `${serve.url}/i/c${n}/film.mp4`;
        await get(`${cold}/index_0_av.m3u8`)
          .then((body) => {
            const segments = segmentsOf(body.toString('utf8'));
            const pick = n % 2 === 0 ? segments[Math.floor(Math.random() * segments.length)] : segments[0];
            return get(`${cold}/${pick}`);
          })
          .then(() => counts.cold++, fail);
        await sleep(Math.max(0, Math.min(next, deadline) - Date.now()));
      }
    };
    const sampler = async () => {
      while (Date.now() < deadline) {
        await sleep(Math.max(0, Math.min(started + (samples.length + 1) * SAMPLE_MS, deadline) - Date.now()));
        const rss = await Promise.all((await processTree(serve.pid)).map((p) => rssMiB(p)));
        const mib = Math.max(...rss.filter(Number.isFinite));
        samples.push({ t: (Date.now() - started) / 1000, mib });
        ctx.log(
          `soak: ${samples.at(-1).t.toFixed(0)} s: RSS ${mib.toFixed(1)} MiB; ${counts.warm} warm, ${counts.cold} cold, ${counts.errors} errors`,
        );
      }
    };
    await Promise.all([...Array.from({ length: CLIENTS }, (_, k) => warmClient(k)), coldLoad(), sampler()]);
  } finally {
    await serve.stop();
    await fs.rm(scratch, { recursive: true, force: true });
  }
  if (counts.errors) ctx.log(`soak: ${counts.errors} failed requests, the last: ${lastError}`);

  const first = samples[0]?.mib ?? NaN;
  const last = samples.at(-1)?.mib ?? NaN;
  const peak = Math.max(...samples.map((s) => s.mib));
  const load = `${counts.warm} warm and ${counts.cold} cold requests, ${counts.errors} failed, in ${SECONDS} s`;
  return [
    {
      name: `RSS at the first sample (${samples[0]?.t.toFixed(0) ?? '—'} s), largest process`,
      value: first,
      unit: 'MiB',
      goal: '≤ 128 MB',
    },
    { name: 'RSS peak over the soak', value: peak, unit: 'MiB', goal: '≤ 128 MB' },
    { name: 'RSS at the end', value: last, unit: 'MiB', goal: '≤ 128 MB' },
    { name: 'RSS growth, last minus first sample', value: last - first, unit: 'MiB', goal: 'no growth' },
    { name: 'RSS slope (least squares over the samples)', value: slope(samples) * 600, unit: 'MiB/10 min', goal: 'no growth' },
    { name: 'soak load', value: load, unit: '', goal: '—' },
  ];
}
