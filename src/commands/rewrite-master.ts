// `casterpak rewrite-master <URL or file>`: a third-party master playlist (e.g. Kaltura's
// playManifest) with its casterpak variants pointed at casterpak, optionally with trick play
// and with the ladder's derived renditions (worked out offline from the variants' RESOLUTION).
import { Command } from 'commander';
import { CasterpakError } from '../lib/shared/errors.js';
import { parseDuration } from '../lib/config/units.js';
import { loadConfig } from '../lib/config/load.js';
import { addConfigFlags, configFlagLayer, type ConfigFlag } from './config-flags.js';
import { fetchMaster, MASTER_MAX_BYTES, readMasterFile } from '../lib/masters/master-fetch.js';
import { httpIFrameInfoResolver, resolveTrickPlay, type IFrameInfoResolver } from '../lib/masters/iframe-info.js';
import { writeFileAtomic } from '../lib/cache/atomic-write.js';
import { rewriteMaster, type RewriteMasterResult } from '../lib/masters/master-rewrite.js';
import type { LadderPlan } from '../lib/masters/master-ladder.js';
import type { Ladder } from '../lib/config/ladder.js';
import { parseProfiles } from '../lib/renditions/ladder-plan.js';
import { isUrl } from '../lib/shared/paths.js';

interface RewriteMasterCommandOptions {
  readonly baseUrl?: string;
  readonly output?: string;
  readonly host?: string[];
  readonly pathPattern?: string[];
  readonly trickPlay?: boolean;
  readonly ladder?: boolean;
  readonly profiles?: string;
  readonly timeout?: string;
  readonly masterUrl?: string;
}

export interface RewriteMasterRun {
  readonly input: string;
  /** casterpak's public base URL */
  readonly baseUrl: string;
  readonly pathPatterns: readonly string[];
  readonly hosts: readonly string[];
  readonly trickPlay: boolean;
  /** adds the ladder's profiles below the tallest casterpak variant's RESOLUTION */
  readonly ladder?: LadderPlan;
  readonly timeoutMs: number;
  /** for a file input: the URL it was downloaded from */
  readonly masterUrl?: string;
  readonly output?: string;
}

interface RewriteMasterDeps {
  /** @default stderr */ readonly warn?: (line: string) => void;
  /** @default the casterpak at baseUrl, over HTTP */ readonly resolver?: IFrameInfoResolver;
}

function compilePatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch {
      throw new CasterpakError('USAGE', `invalid --path-pattern "${pattern}"`);
    }
  });
}

// Reads, rewrites and writes (or returns) one master; the result says what changed.
export async function runRewriteMaster(run: RewriteMasterRun, deps: RewriteMasterDeps = {}): Promise<RewriteMasterResult> {
  let text: string;
  let masterUrl: URL | null = null;
  if (isUrl(run.input)) {
    const fetched = await fetchMaster(new URL(run.input), { timeoutMs: run.timeoutMs, maxBytes: MASTER_MAX_BYTES });
    text = fetched.text;
    masterUrl = fetched.finalUrl;
  } else {
    text = await readMasterFile(run.input);
    if (run.masterUrl !== undefined) {
      if (!isUrl(run.masterUrl)) throw new CasterpakError('USAGE', `--master-url must be an http(s) URL, got "${run.masterUrl}"`);
      masterUrl = new URL(run.masterUrl);
    }
  }
  const rules = {
    masterUrl,
    baseUrl: run.baseUrl,
    pathPatterns: compilePatterns(run.pathPatterns),
    hosts: run.hosts,
    source: run.input,
    ladder: run.ladder,
  };
  let result = rewriteMaster(text, rules);
  if (run.trickPlay) {
    const resolver = deps.resolver ?? httpIFrameInfoResolver({ baseUrl: run.baseUrl, timeoutMs: run.timeoutMs });
    const warn = deps.warn ?? ((line: string) => process.stderr.write(`casterpak: ${line}\n`));
    const trickPlay = await resolveTrickPlay(result.renditions, resolver, warn);
    result = rewriteMaster(text, { ...rules, trickPlay });
  }
  if (run.output !== undefined) await writeOutput(run.output, result.text);
  return result;
}

async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EISDIR' ? 'is a directory' : (code ?? String(error));
    throw new CasterpakError(code === 'ENOSPC' ? 'NO_SPACE' : 'USAGE', `cannot write ${file}: ${why}`, { cause: error });
  }
}

// `--profiles 360p,720p`: those profiles of the configured ladder, in its order; none: all of it.
export function pickProfiles(ladder: Ladder, list: string | undefined): Ladder {
  if (list === undefined) return ladder;
  const names = parseProfiles(ladder, list);
  return Object.fromEntries(Object.entries(ladder).filter(([name]) => names.includes(name)));
}

export const REWRITE_MASTER_FLAGS: readonly ConfigFlag[] = [
  { flags: '--base-url <url>', key: 'publicBaseUrl', help: "required: casterpak's public base URL, e.g. https://casterpak.example.com" },
  {
    flags: '--host <host>',
    key: 'rewrite.hosts',
    help: 'rewrite only variants on this host; repeat for more',
    default: 'any host',
    repeatable: true,
  },
  {
    flags: '--path-pattern <regex>',
    key: 'rewrite.pathPatterns',
    help: "a variant is casterpak's when its path matches; repeat for more",
    default: '^/i/',
    repeatable: true,
  },
];

export function summaryLine(result: RewriteMasterResult, output: string): string {
  const iframes =
    result.iframeVariants > 0 ? `, ${result.iframeVariants} I-frame variants added (${result.estimated.length} estimated)` : '';
  const ladder =
    result.ladder && result.ladder.profiles.length > 0 ? `, ${result.ladder.profiles.join(', ')} added below ${result.ladder.source}` : '';
  return `wrote ${output}: ${result.rewritten} URIs pointed at casterpak${iframes}${ladder}`;
}

// --trick-play that added nothing says why: I-frame streams are added only for variants known
// to carry video (a video codec in CODECS, or a RESOLUTION; RFC 8216 section 4.3.4.2).
export function trickPlayWarning(
  result: Pick<RewriteMasterResult, 'rewritten' | 'renditions' | 'iframeVariants'>,
  trickPlay: boolean,
): string | null {
  if (!trickPlay || result.iframeVariants > 0) return null;
  if (result.rewritten === 0)
    return 'no trick play added: no variant matched the casterpak path patterns and hosts (--path-pattern, --host)';
  return (
    `no trick play added: none of the ${result.rewritten} variants pointed at casterpak is known to carry video ` +
    '(no video codec in CODECS, no RESOLUTION): add CODECS or RESOLUTION to their EXT-X-STREAM-INF lines'
  );
}

export function rewriteMasterCommand(): Command {
  const command = new Command('rewrite-master')
    .description("rewrite a third-party master playlist (e.g. Kaltura's playManifest) so its casterpak variants point at casterpak")
    .argument('<input>', 'the master playlist: an http(s) URL or a local file');
  return addConfigFlags(command, REWRITE_MASTER_FLAGS)
    .option('-o, --output <file>', 'write the playlist to this file (atomically) instead of stdout')
    .option('--trick-play', 'add an EXT-X-I-FRAME-STREAM-INF (kfonly playlist) for each casterpak video variant')
    .option(
      '--ladder',
      "add the ladder's derived renditions (renditions.ladder) below the tallest casterpak variant, from its RESOLUTION; never an upscale",
    )
    .option('--profiles <list>', 'with --ladder (implied): only these profiles, e.g. 360p,720p')
    .option('--timeout <duration>', 'time limit for each fetch, e.g. 10s or 500ms (default: 10s)')
    .option('--master-url <url>', 'for a file input: the URL it was downloaded from, to resolve its relative URIs')
    .action(async (input: string, options: RewriteMasterCommandOptions, cmd: Command) => {
      const config = await loadConfig({
        configFile: cmd.optsWithGlobals().config,
        ...configFlagLayer(REWRITE_MASTER_FLAGS, options as Record<string, unknown>),
      });
      if (config.publicBaseUrl === null) {
        throw new CasterpakError('USAGE', 'rewrite-master needs --base-url <url> (or publicBaseUrl in the configuration)');
      }
      const timeoutMs = parseDuration(options.timeout ?? '10s');
      if (timeoutMs === null || timeoutMs <= 0)
        throw new CasterpakError('USAGE', `invalid --timeout "${options.timeout}": use e.g. 10s or 500ms`);
      const result = await runRewriteMaster({
        input,
        baseUrl: config.publicBaseUrl,
        pathPatterns: config.rewrite.pathPatterns,
        hosts: config.rewrite.hosts,
        trickPlay: options.trickPlay === true,
        ladder:
          options.ladder || options.profiles !== undefined
            ? {
                profiles: pickProfiles(config.renditions.ladder, options.profiles),
                segmentDuration: config.segmentDuration,
                mediaExtensions: config.mediaExtensions,
              }
            : undefined,
        timeoutMs,
        masterUrl: options.masterUrl,
        output: options.output,
      });
      const trickPlay = trickPlayWarning(result, options.trickPlay === true);
      if (trickPlay) process.stderr.write(`casterpak: warning: ${trickPlay}\n`);
      if (result.ladder?.skipped) process.stderr.write(`casterpak: warning: no ladder profile added: ${result.ladder.skipped}\n`);
      for (const uri of result.unresolved) {
        process.stderr.write(`casterpak: warning: relative URI ${uri} left as it is (no URL to resolve it against; see --master-url)\n`);
      }
      process.stdout.write(options.output === undefined ? result.text : `${summaryLine(result, options.output)}\n`);
    });
}
