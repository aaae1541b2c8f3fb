// `casterpak kfonly <media playlist>`: the trick-play (I-frame) playlist of an MPEG-TS media
// playlist from any packager, written where serve would put it: `<dir>/kfonly/<name>`.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { CasterpakError, isCasterpakError } from '../lib/shared/errors.js';
import { parseDuration } from '../lib/config/units.js';
import { writeFileAtomic } from '../lib/cache/atomic-write.js';
import {
  createIFramePlaylist,
  fileLoader,
  httpLoader,
  type IFramePlaylistResult,
  type MediaLoader,
} from '../lib/trick-play/iframe-playlist-maker.js';
import { KFONLY_DIR } from '../lib/cache/names.js';
import { isUrl } from '../lib/shared/paths.js';
import { readRenditionInfo } from '../lib/cache/rendition-info.js';
import { renditionUrl } from '../lib/cache/rendition-path.js';

// Largest playlist or segment read over HTTP.
const MAX_HTTP_BYTES = 256 * 1024 * 1024;

interface KfonlyRun {
  /** a media playlist: a local path or an http(s) URL */
  readonly input: string;
  /** a file, '-' for stdout, or undefined for the default place */
  readonly output?: string;
  /** per HTTP request */
  readonly timeoutMs: number;
}

interface KfonlyDeps {
  /** @default file or HTTP loader chosen from the input */ readonly loader?: MediaLoader;
  /** @default process.cwd() */ readonly cwd?: string;
}

interface IFramePlaylistOutcome {
  /** the file written, or '-' when the playlist goes to stdout */
  readonly output: string;
  readonly result: IFramePlaylistResult;
}

// Where the kfonly playlist goes when -o is not given: next to a local playlist, as serve
// does; for a URL, under ./kfonly/ of the working directory.
export function defaultKfonlyOutput(input: string, cwd: string): string {
  if (isUrl(input)) {
    const url = new URL(input);
    const name = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
    if (name === '') throw new CasterpakError('USAGE', `${input}: the URL names no playlist file`);
    return path.resolve(cwd, KFONLY_DIR, name);
  }
  const file = path.resolve(cwd, input);
  return path.join(path.dirname(file), KFONLY_DIR, path.basename(file));
}

// A segment missing beside a casterpak rendition's playlist is one prune removed (docs/prune.md):
// said so, with the two ways to get the trick-play playlist, instead of a bare "no such file".
async function missingSegmentReason(error: unknown, playlist: string): Promise<unknown> {
  if (!isCasterpakError(error) || error.code !== 'NOT_FOUND') return error;
  const dir = path.dirname(playlist);
  const missing = /^(.*): no such file$/.exec(error.message)?.[1];
  if (missing === undefined || path.dirname(missing) !== dir) return error;
  const info = await readRenditionInfo(dir);
  if (info === null) return error;
  return new CasterpakError(
    'NOT_FOUND',
    `${path.basename(missing)} of ${playlist} is missing (prune removes idle segments): ask serve for its trick play, ` +
      `${renditionUrl(info.renditionPath)}kfonly/index_0_av.m3u8, which remakes what is missing, or package the rendition again with --force`,
    { cause: error },
  );
}

export async function runKfonly(run: KfonlyRun, deps: KfonlyDeps = {}): Promise<IFramePlaylistOutcome> {
  const cwd = deps.cwd ?? process.cwd();
  const url = isUrl(run.input) ? new URL(run.input) : pathToFileURL(path.resolve(cwd, run.input));
  const loader =
    deps.loader ??
    (url.protocol === 'file:'
      ? fileLoader()
      : httpLoader({ timeoutMs: run.timeoutMs, maxBytes: MAX_HTTP_BYTES, allowedOrigins: [url.origin] }));
  let result: IFramePlaylistResult;
  try {
    result = await createIFramePlaylist(url, loader);
  } catch (error) {
    throw url.protocol === 'file:' ? await missingSegmentReason(error, fileURLToPath(url)) : error;
  }
  if (run.output === '-') return { output: '-', result };
  const output = run.output !== undefined ? path.resolve(cwd, run.output) : defaultKfonlyOutput(run.input, cwd);
  await fs.mkdir(path.dirname(output), { recursive: true });
  await writeFileAtomic(output, result.playlist);
  return { output, result };
}

function summaryLine(result: IFramePlaylistResult): string {
  const kbps = (bits: number) => `${Math.round(bits / 1000)} kbit/s`;
  const format = result.codecs
    ? `, ${result.codecs}${result.resolution ? ` ${result.resolution.width}x${result.resolution.height}` : ''}`
    : '';
  return `${result.keyFrames} key frames in ${result.segments} segments, peak ${kbps(result.peak)}, average ${kbps(result.average)}${format}`;
}

export function kfonlyCommand(): Command {
  return new Command('kfonly')
    .description('write the trick-play (I-frame only) playlist of an MPEG-TS HLS media playlist')
    .argument('<playlist>', 'a media playlist: a local file or an http(s) URL; its segments are read relative to it')
    .option(
      '-o, --output <file>',
      'where to write it; "-" for stdout (default: <playlist dir>/kfonly/<playlist name>, the file serve would create; for a URL: ./kfonly/<playlist name>)',
    )
    .option('--timeout <duration>', 'time limit for each HTTP request, e.g. 30s or 500ms (default: 30s)')
    .addHelpText(
      'after',
      "\nSegment URIs must be relative or absolute on the playlist's own origin (trick play needs relative URIs);\n" +
        'the kfonly playlist refers to them one directory up (../segment1_0_av.ts). Encrypted sources are refused.\n' +
        'Prints the file written, and a summary on stderr.\n',
    )
    .action(async (input: string, options: { output?: string; timeout?: string }) => {
      const timeoutMs = parseDuration(options.timeout ?? '30s');
      if (timeoutMs === null || timeoutMs <= 0)
        throw new CasterpakError('USAGE', `invalid --timeout "${options.timeout}": use e.g. 30s or 500ms`);
      const { output, result } = await runKfonly({ input, output: options.output, timeoutMs });
      process.stdout.write(output === '-' ? result.playlist : `${output}\n`);
      process.stderr.write(`casterpak: ${summaryLine(result)}\n`);
    });
}
