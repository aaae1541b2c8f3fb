// The cold bench's anchor without nginx-vod-module: one whole-file mp42hls run on a film, with
// casterpak's arguments, from a dropped page cache (`drop()`), into `out` (removed after).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildMp42hlsArgs } from '../../dist/lib/packaging/mp42hls-args.js';

const TOOL_TIMEOUT_MS = 5 * 60_000;

// Milliseconds, NaN when mp42hls failed (the reason logged).
export function wholeFileMp42hls(ctx, film, out, segmentDuration, drop) {
  const mp42hls = path.join(ctx.bento4BinDir, 'mp42hls');
  mkdirSync(out, { recursive: true });
  try {
    drop();
    spawnSync(mp42hls, [], { stdio: 'ignore' }); // the program warm, the media cold (as in the cold cases)
    const t0 = process.hrtime.bigint();
    const result = spawnSync(mp42hls, buildMp42hlsArgs({ source: film.path, outDir: out, segmentDuration }), {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: TOOL_TIMEOUT_MS,
    });
    const ms = result.status === 0 ? Number(process.hrtime.bigint() - t0) / 1e6 : NaN;
    if (result.status !== 0)
      ctx.log(
        `cold: mp42hls failed on ${film.file} (exit ${result.status}${result.signal ? `, ${result.signal}` : ''}): ${String(result.stderr).slice(-300)}`,
      );
    const segments = readdirSync(out).filter((n) => n.endsWith('.ts')).length;
    ctx.log(`cold: mp42hls, whole ${film.file}: ${ms.toFixed(0)} ms, ${segments} segments`);
    return ms;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
