// `casterpak prune`: removes from the cache what nobody has watched for a while — the cron
// job next to `casterpak serve`, and the same pass serve runs with --prune-every.
import { Command } from 'commander';
import { CasterpakError } from '../lib/shared/errors.js';
import { durationMs, formatDuration, parseDurationWithUnit, parseSize } from '../lib/config/units.js';
import { loadConfigWithOrigin, type LoadConfigOptions, type LoadedConfig } from '../lib/config/load.js';
import { leftoverMaxAgeMs } from '../lib/config/schema.js';
import { runPrune, type PruneOptions } from '../lib/prune/run.js';
import { PRUNE_WHAT, type PruneWhat } from '../lib/prune/plan.js';
import { PLAIN, reportLines, type PruneReport, type TextStyle } from '../lib/prune/report.js';
import { addConfigFlags, configFlagLayer, type ConfigFlag } from './config-flags.js';

export const PRUNE_FLAGS: readonly ConfigFlag[] = [
  {
    flags: '--older-than <duration>',
    key: 'prune.olderThan',
    help: 'idle longer than this goes, with its unit: 30m, 2h, 7d (under a minute only with --force)',
    default: '2h',
  },
  {
    flags: '--max-size <size>',
    key: 'prune.maxSizeBytes',
    help: 'then remove the least recently used until the cache fits, e.g. 50G',
    default: 'none',
  },
  { flags: '--cache-dir <dir>', key: 'cacheDir', help: 'cache directory; must exist', default: './casterpak-cache' },
];

interface PruneCommandOptions {
  readonly olderThan?: string;
  readonly force?: boolean;
  readonly what?: string;
  readonly maxSize?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly cacheDir?: string;
  readonly config?: string;
}

interface PruneDeps {
  /** @default loadConfigWithOrigin */ readonly loadConfig?: (options: LoadConfigOptions) => Promise<LoadedConfig>;
  /** @default runPrune */ readonly runPrune?: (options: PruneOptions) => Promise<PruneReport>;
}

// The flags, checked before anything touches the disk; each error names its flag.
export function parsePruneFlags(options: PruneCommandOptions): { what: PruneWhat; olderThanMs?: number; maxSizeBytes?: number } {
  const what = (options.what ?? 'segments') as PruneWhat;
  if (!PRUNE_WHAT.includes(what))
    throw new CasterpakError('USAGE', `invalid --what "${options.what}": use one of ${PRUNE_WHAT.join(', ')}`);
  let olderThanMs: number | undefined;
  if (options.olderThan !== undefined) {
    const ms = parseDurationWithUnit(options.olderThan);
    if (ms === null) {
      const bare = /^\s*\d+(\.\d+)?\s*$/.test(options.olderThan);
      throw new CasterpakError(
        'USAGE',
        bare
          ? `invalid --older-than "${options.olderThan}": give its unit, e.g. ${options.olderThan.trim()}h, ${options.olderThan.trim()}m or ${options.olderThan.trim()}d`
          : `invalid --older-than "${options.olderThan}": use a duration such as 90s, 30m, 2h or 7d`,
      );
    }
    olderThanMs = ms;
  }
  let maxSizeBytes: number | undefined;
  if (options.maxSize !== undefined) {
    const bytes = parseSize(options.maxSize);
    if (bytes === null) throw new CasterpakError('USAGE', `invalid --max-size "${options.maxSize}": use a size such as 500M, 50G or 2T`);
    maxSizeBytes = bytes;
  }
  return { what, olderThanMs, maxSizeBytes };
}

const MINUTE = 60_000;

// Flags over configuration (prune.olderThan, prune.maxSizeBytes, cacheDir); temporary
// leftovers are swept once older than twice the packaging time limit. A cache directory that
// does not exist is an error (a typo in a crontab would otherwise pass unnoticed for ever); one
// that exists but is empty is nothing to do.
export async function runPruneCommand(options: PruneCommandOptions, deps: PruneDeps = {}): Promise<PruneReport> {
  const flags = parsePruneFlags(options);
  const { config, origin } = await (deps.loadConfig ?? loadConfigWithOrigin)({
    configFile: options.config,
    ...configFlagLayer(PRUNE_FLAGS, options as Record<string, unknown>, {
      'prune.olderThan': options.olderThan,
      'prune.maxSizeBytes': flags.maxSizeBytes,
    }),
  });
  // An age under a minute removes about everything: in a crontab that is a typo far more often
  // than a wish, so it takes --force.
  const olderThanMs = durationMs(config.prune.olderThan);
  if (olderThanMs < MINUTE && options.force !== true)
    throw new CasterpakError(
      'USAGE',
      `${origin('prune.olderThan')} is ${formatDuration(olderThanMs)}, under a minute: that removes nearly the whole cache; give --force to mean it`,
    );
  const report = await (deps.runPrune ?? runPrune)({
    cacheDir: config.cacheDir,
    what: flags.what,
    olderThanMs,
    maxSizeBytes: config.prune.maxSizeBytes,
    dryRun: options.dryRun === true,
    tmpMaxAgeMs: leftoverMaxAgeMs(config),
    mediaExtensions: config.mediaExtensions,
  });
  if (report.cacheExists === false)
    throw new CasterpakError('NOT_FOUND', `the cache directory ${config.cacheDir} does not exist (${origin('cacheDir')}): check the path`);
  return report;
}

// chalk is loaded only for a terminal: cron runs pay nothing for colour.
async function terminalStyle(): Promise<TextStyle> {
  if (!process.stdout.isTTY) return PLAIN;
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: 1 });
  return { strong: chalk.bold, dim: chalk.dim, warn: chalk.yellow, bad: chalk.red };
}

export function pruneCommand(): Command {
  const command = new Command('prune').description(
    'remove cached segments (or whole renditions, or source copies) nobody has requested for a while',
  );
  return addConfigFlags(command, PRUNE_FLAGS)
    .option(
      '--what <kind>',
      'segments (playlists stay), renditions (whole directories), sources (downloaded copies) or all (default: segments)',
    )
    .option('--dry-run', 'list what would be removed; delete nothing')
    .option('-f, --force', 'accept an --older-than under a minute')
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText(
      'after',
      "\nLast access is the file's mtime (serve moves it forward when it serves a file; atime is never used).\n" +
        "Only files and directories with casterpak's names are removed; symlinks are never followed and the walk\n" +
        "stays on the cache's file system. A rendition being packaged is kept. Exit status: 0 done (an empty\n" +
        'cache included), 1 error (a cache directory that does not exist included).\n' +
        'Crontab: */10 * * * * casterpak prune --older-than 2h --cache-dir /var/cache/casterpak\n',
    )
    .action(async (options: PruneCommandOptions, command: Command) => {
      const report = await runPruneCommand({ ...options, config: command.optsWithGlobals().config });
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${reportLines(report, await terminalStyle()).join('\n')}\n`);
      if (report.errors.length > 0) {
        const first = report.errors[0]!;
        const more = report.errors.length > 1 ? ` (and ${report.errors.length - 1} more)` : '';
        throw new CasterpakError('FAILED', `could not remove ${first.path}: ${first.message}${more}`);
      }
    });
}
