// Trick play: the key-frame scanner's throughput over the packaged 10-minute 720p
// rendition's MPEG-TS held in memory (goal ≥ 1 GB/s; anchor: the bare sync-byte check, the
// floor for any parser that visits every packet), and the time to create its kfonly playlist
// in a fresh Node process (goal ≤ 0.3 s: read every segment, scan, build, write; anchor:
// ffprobe listing the same key frames, when ffprobe is installed).
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scanKeyFrames } from '../dist/lib/formats/mpegts/keyframes.js';
import { tsFramingError } from '../dist/lib/formats/mpegts/sync-check.js';
import { parseMediaPlaylist } from '../dist/lib/formats/hls/codec.js';

const distDir = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'dist');
const PASSES = 7;
const COLD_RUNS = 5;
const GB = 1e9;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

// Seconds per pass over every segment, the first (cold JIT) pass kept apart.
function passes(segments, run) {
  const times = [];
  for (let pass = 0; pass < PASSES; pass++) {
    const start = process.hrtime.bigint();
    for (const [name, bytes] of segments) run(bytes, name);
    times.push(seconds(start));
  }
  return { first: times[0], steady: median(times.slice(2)) };
}

// One kfonly creation in a new process: import, read, scan, build, write; timed inside it.
function coldCreation(playlist, output) {
  const script = `
    const start = process.hrtime.bigint();
    const { createIFramePlaylist, fileLoader } = await import(${JSON.stringify(pathToFileURL(path.join(distDir, 'lib/trick-play/iframe-playlist-maker.js')).href)});
    const { writeFileAtomic } = await import(${JSON.stringify(pathToFileURL(path.join(distDir, 'lib/cache/atomic-write.js')).href)});
    const result = await createIFramePlaylist(new URL(${JSON.stringify(pathToFileURL(playlist).href)}), fileLoader());
    await writeFileAtomic(${JSON.stringify(output)}, result.playlist);
    process.stdout.write(JSON.stringify({ seconds: Number(process.hrtime.bigint() - start) / 1e9, keyFrames: result.keyFrames }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kfonly creation failed: ${result.stderr.trim().slice(-300)}`);
  return JSON.parse(result.stdout);
}

function ffprobeSeconds(files) {
  if (spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status !== 0) return null;
  const start = process.hrtime.bigint();
  const result = spawnSync(
    'ffprobe',
    [
      '-v',
      'quiet',
      '-select_streams',
      'v',
      '-show_packets',
      '-show_entries',
      'packet=pos,flags',
      '-of',
      'csv',
      `concat:${files.join('|')}`,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  return result.status === 0 ? seconds(start) : null;
}

export async function bench(ctx) {
  if (!ctx.renditionDir) {
    ctx.log('kfonly: no packaged rendition (ffmpeg missing); skipped');
    return [];
  }
  const playlist = path.join(ctx.renditionDir, 'index_0_av.m3u8');
  const source = parseMediaPlaylist(readFileSync(playlist, 'utf8'));
  const files = source.segments.map((s) => path.join(ctx.renditionDir, path.basename(s.uri.split('?')[0])));
  const segments = files.map((file) => [path.basename(file), new Uint8Array(readFileSync(file))]);
  const bytes = segments.reduce((n, [, b]) => n + b.length, 0);
  ctx.log(`kfonly: ${segments.length} segments, ${(bytes / 1e6).toFixed(0)} MB in memory`);

  let keyFrames = 0;
  const scan = passes(segments, (b, name) => void (keyFrames = scanKeyFrames(b, name).keyFrames.length));
  const sync = passes(segments, (b) => tsFramingError(b));
  const rate = (s) => bytes / s / GB;

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-kfonly-'));
  try {
    const runs = [];
    for (let i = 0; i < COLD_RUNS; i++) runs.push(coldCreation(playlist, path.join(scratch, 'index_0_av.m3u8')));
    const cold = median(runs.map((r) => r.seconds));
    ctx.log(`kfonly: ${runs[0].keyFrames} key frames; cold creations ${runs.map((r) => r.seconds.toFixed(3)).join(', ')} s`);
    const ffprobe = ffprobeSeconds(files);
    const scanAnchor = { name: 'sync-byte check only', value: rate(sync.steady) };
    return [
      {
        name: 'key-frame scan, steady (median of 5 passes)',
        value: rate(scan.steady),
        unit: 'GB/s',
        anchor: scanAnchor,
        ratio: rate(scan.steady),
        goal: '≥ 1 GB/s (ratio = GB/s ÷ 1)',
      },
      {
        name: 'key-frame scan, first pass (cold JIT)',
        value: rate(scan.first),
        unit: 'GB/s',
        anchor: { name: 'sync-byte check only', value: rate(sync.first) },
        ratio: rate(scan.first),
        goal: '≥ 1 GB/s',
      },
      {
        name: `kfonly playlist, 10 min rendition, fresh process (median of ${COLD_RUNS})`,
        value: cold,
        unit: 's',
        ...(ffprobe === null ? {} : { anchor: { name: 'ffprobe key-frame listing', value: ffprobe } }),
        ratio: cold / 0.3,
        goal: '≤ 0.3 s (ratio ≤ 1)',
      },
    ];
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
