// Finds the ffmpeg that derived renditions use: `ffmpeg.path` / CASTERPAK_FFMPEG, else the
// static build the @ffmpeg-installer package ships in its npm tarball, and checks it once at
// start-up (it runs, it has libx264). Without one, derived renditions say why and the rest of
// casterpak works.
import { createRequire } from 'node:module';
import { runTool } from '../shared/run-tool.js';
import { SingleFlight } from '../shared/single-flight.js';
import { oneLine } from '../shared/errors.js';

export interface Ffmpeg {
  readonly path: string;
  readonly version: string;
}

// Either a usable ffmpeg or the one-line reason there is none.
export type FfmpegCheck = { readonly ok: true; readonly ffmpeg: Ffmpeg } | { readonly ok: false; readonly reason: string };

function installerPath(): string | null {
  try {
    return (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch {
    return null;
  }
}

// One check per binary and process (a process may start several origins: tests, cluster workers).
const checked = new Map<string, FfmpegCheck>();
const checks = new SingleFlight<FfmpegCheck>();

export function checkFfmpeg(configured: string | null): Promise<FfmpegCheck> {
  const file = configured ?? installerPath();
  if (file === null) return probe(null, configured);
  const known = checked.get(file);
  if (known) return Promise.resolve(known);
  // probe answers every failure as { ok: false }: what it found is kept, whatever it was.
  return checks.run(file, async () => {
    const check = await probe(file, configured);
    checked.set(file, check);
    return check;
  });
}

async function probe(file: string | null, configured: string | null, timeoutMs = 15_000): Promise<FfmpegCheck> {
  const origin = configured ? 'ffmpeg.path' : 'the @ffmpeg-installer/ffmpeg package';
  if (file === null) return { ok: false, reason: 'no ffmpeg: run npm ci (@ffmpeg-installer/ffmpeg) or set ffmpeg.path / CASTERPAK_FFMPEG' };
  try {
    const { stdout } = await runTool(file, ['-hide_banner', '-encoders'], { timeoutMs });
    if (!/^\s*V\S*\s+libx264\s/m.test(stdout)) return { ok: false, reason: `ffmpeg ${file} (from ${origin}) has no libx264 encoder` };
    const version = (await runTool(file, ['-version'], { timeoutMs })).stdout.split('\n')[0].replace(/^ffmpeg version (\S+).*$/, '$1');
    return { ok: true, ffmpeg: { path: file, version } };
  } catch (error) {
    return { ok: false, reason: `ffmpeg ${file} (from ${origin}) does not run: ${oneLine(error)}` };
  }
}
