// Prune: `casterpak prune --older-than 2h` run by the built CLI in a child process,
// as an operator's cron job does, against `find <dir> -name '*.ts' -mmin +120 -delete` on an
// identical tree: 2,000 renditions × 50 segments = 100,000 .ts files (plus a playlist and an
// info file each); half of the segments last accessed 3 h ago, half 1 h ago (utimes).
// Goal: casterpak ≤ 1.5 × find (ratio ≤ 1.5). Also reported: the dry run (scan and plan only)
// against find listing the same files, and the CLI's start-up.
// The trees are made on a tmpfs (/dev/shm) when there is one, else under os.tmpdir();
// BENCH_PRUNE_DIR chooses. On a disk, both contenders mostly wait for the journal: on the
// 2-core VM this was written on, identical find runs took 4 to 16 s on ext4, so the figure
// said more about the disk than about prune. A tmpfs leaves only the work each one does
// (system calls, and for casterpak Node's start-up and bookkeeping), the harder comparison.
// Each round copies a template twice (cp -a keeps mtimes) and alternates which contender goes
// first; medians of BENCH_RUNS rounds (default 5).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS) || 5;
const RENDITIONS = 2000;
const SEGMENTS = 50;
const OLD_S = 3 * 3600; // idle 3 h: older than --older-than 2h / -mmin +120
const RECENT_S = 3600;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0)
    throw new Error(
      `${path.basename(command)} ${args[1] ?? ''} failed (${result.status ?? result.signal}): ${(result.stderr || '').trim().slice(-300)}`,
    );
  return seconds;
}

// The tree a cache holds after packaging: nested dated directories, tiny files.
function makeTemplate(root) {
  const now = Date.now() / 1000;
  const segment = Buffer.alloc(188, 0x47);
  for (let r = 0; r < RENDITIONS; r++) {
    const dir = path.join(root, String(2020 + (r % 5)), String((r % 12) + 1).padStart(2, '0'), `1_${r.toString(36)}_rendition.mp4`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index_0_av.m3u8'), '#EXTM3U\n');
    writeFileSync(path.join(dir, '.rendition.json'), '{}');
    for (let s = 1; s <= SEGMENTS; s++) {
      const file = path.join(dir, `segment${s}_0_av.ts`);
      writeFileSync(file, segment);
      const at = now - (s % 2 === 0 ? OLD_S : RECENT_S);
      utimesSync(file, at, at);
    }
    const at = now - RECENT_S; // playlists were served an hour ago
    utimesSync(path.join(dir, 'index_0_av.m3u8'), at, at);
  }
}

function countFiles(root) {
  let files = 0;
  let segments = 0;
  const walk = (dir) => {
    for (const dirent of readdirSync(dir, { withFileTypes: true })) {
      if (dirent.isDirectory()) walk(path.join(dir, dirent.name));
      else {
        files++;
        if (dirent.name.endsWith('.ts')) segments++;
      }
    }
  };
  walk(root);
  return { files, segments };
}

function fileSystemType(dir) {
  const result = spawnSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown fs';
}

export async function bench(ctx) {
  if (spawnSync('find', ['--version'], { stdio: 'ignore' }).status !== 0) {
    ctx.log('prune: GNU find not found; skipped');
    return [];
  }
  const base = process.env.BENCH_PRUNE_DIR ?? (existsSync('/dev/shm') && fileSystemType('/dev/shm') === 'tmpfs' ? '/dev/shm' : os.tmpdir());
  const scratch = await fs.mkdtemp(path.join(base, 'casterpak-bench-prune-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CASTERPAK_')));
  const template = path.join(scratch, 'template');
  try {
    let started = Date.now();
    makeTemplate(template);
    const total = countFiles(template);
    const fsType = fileSystemType(scratch);
    ctx.log(
      `prune: template of ${total.files} files (${total.segments} segments) made in ${((Date.now() - started) / 1000).toFixed(1)} s on ${fsType} (${scratch})`,
    );

    const casterpak = (dir, ...flags) =>
      timed(process.execPath, [ctx.casterpakBin, 'prune', '--older-than', '2h', '--cache-dir', dir, ...flags], { cwd: scratch, env });
    const find = (dir, ...actions) => timed('find', [dir, '-name', '*.ts', '-mmin', '+120', ...actions], { cwd: scratch });
    const times = { casterpak: [], find: [], dryRun: [], findList: [], startup: [] };
    for (let round = 0; round < RUNS; round++) {
      started = Date.now();
      const ours = path.join(scratch, `casterpak-${round}`);
      const theirs = path.join(scratch, `find-${round}`);
      for (const copy of [ours, theirs]) timed('cp', ['-a', template, copy]);
      timed('sync', []); // the copies' dirty pages are written before anything is timed
      times.startup.push(timed(process.execPath, [ctx.casterpakBin, 'prune', '--help'], { cwd: scratch, env }));
      const contenders = [
        () => {
          times.dryRun.push(casterpak(ours, '--dry-run'));
          times.casterpak.push(casterpak(ours));
        },
        () => {
          times.findList.push(find(theirs, '-print'));
          times.find.push(find(theirs, '-delete'));
        },
      ];
      if (round % 2 === 1) contenders.reverse();
      for (const run of contenders) run();
      const left = [countFiles(ours), countFiles(theirs)];
      if (left[0].segments !== left[1].segments || left[0].files !== left[1].files || left[0].segments !== total.segments / 2) {
        throw new Error(
          `the contenders removed different files: casterpak left ${JSON.stringify(left[0])}, find left ${JSON.stringify(left[1])}`,
        );
      }
      await Promise.all([ours, theirs].map((dir) => fs.rm(dir, { recursive: true, force: true })));
      ctx.log(
        `prune: round ${round + 1}/${RUNS}: casterpak ${times.casterpak.at(-1).toFixed(3)} s, find ${times.find.at(-1).toFixed(3)} s; ` +
          `dry run ${times.dryRun.at(-1).toFixed(3)} s, find listing ${times.findList.at(-1).toFixed(3)} s (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
    const ours = median(times.casterpak);
    const theirs = median(times.find);
    const label = `${total.files.toLocaleString('en')} files, ${(total.segments / 2).toLocaleString('en')} idle, ${fsType}`;
    return [
      {
        name: `prune --older-than 2h, CLI (${label}; median of ${RUNS})`,
        value: ours,
        unit: 's',
        anchor: { name: "find -name '*.ts' -mmin +120 -delete", value: theirs },
        ratio: ours / theirs,
        goal: '≤ 1.5 × find (ratio ≤ 1.5)',
      },
      {
        name: `prune --dry-run: scan and plan only (${label})`,
        value: median(times.dryRun),
        unit: 's',
        anchor: { name: "find -name '*.ts' -mmin +120 -print", value: median(times.findList) },
        ratio: median(times.dryRun) / median(times.findList),
        goal: 'information',
      },
      { name: 'casterpak prune --help (node start-up + the prune command)', value: median(times.startup), unit: 's', goal: 'information' },
    ];
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
