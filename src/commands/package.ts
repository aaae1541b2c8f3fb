// `casterpak package <input…>`: pre-warms the cache with exactly what `serve` would create.
import { promises as fs } from 'node:fs';
import { Command, Option } from 'commander';
import { CasterpakError } from '../shared/errors.js';
import { layerFrom } from '../config/env.js';
import { formatBytes, formatDuration } from '../config/units.js';
import { loadConfig } from '../config/load.js';
import { barReporter, lineReporter, silentReporter } from '../shared/reporter.js';
import { runPackageJob, type PackageSummary } from '../packaging/package-runner.js';

export interface PackageCommandOptions {
  readonly fromFile?: string;
  readonly cacheDir?: string;
  readonly sourceRoot?: string;
  readonly baseUrl?: string;
  readonly segmentDuration?: string;
  readonly concurrency?: string;
  readonly bento4Dir?: string;
  readonly force?: boolean;
  readonly json?: boolean;
  readonly config?: string;
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
    inputs.push(...text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
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
    `${summary.made} made, ${summary.reused} reused, ${summary.failed} failed; ` +
    `${formatBytes(summary.bytes)} in ${formatDuration(summary.durationMs)}`
  );
}

export function packageCommand(): Command {
  return new Command('package')
    .description('package MP4 files or URLs into HLS renditions in the cache (what serve would create on first request)')
    .argument('[input...]', 'MP4 files or http(s) URLs of MP4 files')
    .option('--from-file <list>', 'read more inputs from a file, one per line ("-" for stdin)')
    .option('--cache-dir <dir>', 'cache directory (config cacheDir, env CASTERPAK_CACHE_DIR; default ./casterpak-cache)')
    .option('--source-root <dir>', 'library root: inputs inside it keep their relative path as rendition path (config sourceRoot, env CASTERPAK_SOURCE_ROOT)')
    .option('--base-url <url>', 'make segment URIs absolute: <url>/i/<rendition path>/segmentN_0_av.ts (config publicBaseUrl, env CASTERPAK_BASE_URL)')
    .option('--segment-duration <seconds>', 'target segment duration in whole seconds (config segmentDuration, env CASTERPAK_SEGMENT_DURATION; default 10)')
    .option('--concurrency <n>', 'packaging runs at once (config package.concurrency; default: number of cores)')
    .option('--bento4-dir <dir>', 'directory holding mp42hls and mp4info (config bento4.binDir, env CASTERPAK_BENTO4_DIR)')
    .option('-f, --force', 'package again even when a complete rendition exists')
    .addOption(new Option('--json', 'print one JSON result on stdout instead of progress and a summary'))
    .action(async (inputs: string[], options: PackageCommandOptions, command: Command) => {
      const config = await loadConfig({
        configFile: command.optsWithGlobals().config,
        flags: layerFrom([
          ['cacheDir', options.cacheDir],
          ['sourceRoot', options.sourceRoot],
          ['publicBaseUrl', options.baseUrl],
          ['segmentDuration', options.segmentDuration],
          ['package.concurrency', options.concurrency],
          ['bento4.binDir', options.bento4Dir],
        ]),
      });
      const allInputs = await collectInputs(inputs, options.fromFile);
      const reporter = options.json
        ? silentReporter()
        : process.stderr.isTTY
          ? barReporter(process.stderr)
          : lineReporter((line) => process.stdout.write(`${line}\n`));
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop).once('SIGTERM', stop);
      let summary: PackageSummary;
      try {
        summary = await runPackageJob(config, { inputs: allInputs, force: Boolean(options.force), cwd: process.cwd(), reporter, signal: controller.signal });
      } finally {
        process.off('SIGINT', stop).off('SIGTERM', stop);
      }
      if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(`${summaryLine(summary)}\n`);
      if (controller.signal.aborted) throw new CasterpakError('CANCELLED', 'interrupted; nothing partial was kept');
      if (summary.failed > 0) {
        const first = summary.results.find((r) => r.status === 'failed')!;
        throw new CasterpakError('FAILED', summary.failed === 1 ? `${first.input}: ${first.error?.message}` : `${summary.failed} of ${summary.results.length} inputs failed`);
      }
    });
}
