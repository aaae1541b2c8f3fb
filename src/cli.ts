// The casterpak command line. Commands throw typed errors; this is the only place that turns
// them into a one-line message and an exit code.
import { Command, CommanderError } from 'commander';
import { oneLine, isCasterpakError } from './lib/shared/errors.js';
import { VERSION } from './lib/shared/version.js';

// A command's module graph (execa, the HTTP server, prom-client…) is most of the start-up
// time, so only the command being run is loaded; help and unknown commands load them all.
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ['package', async () => (await import('./commands/package.js')).packageCommand()],
  ['serve', async () => (await import('./commands/serve.js')).serveCommand()],
  ['kfonly', async () => (await import('./commands/kfonly.js')).kfonlyCommand()],
  ['rewrite-master', async () => (await import('./commands/rewrite-master.js')).rewriteMasterCommand()],
  ['prune', async () => (await import('./commands/prune.js')).pruneCommand()],
  ['token', async () => (await import('./commands/token.js')).tokenCommand()],
];

// The first argument that is neither an option nor the value of -c/--config.
export function commandNamed(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '--config') i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}

// Commander's own errors (unknown option, missing argument) as casterpak's one documented line,
// `casterpak: <what>`, with its suggestion on the same line.
export function oneLineUsageError(text: string): string {
  const parts = text
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return `casterpak: ${parts.join(' ').replace('(Did you mean', '(did you mean')}\n`;
}
const output = { outputError: (text: string, write: (s: string) => void) => write(oneLineUsageError(text)) };

// `argv` (process.argv) picks the command to load; without it every command is loaded.
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command()
    .name('casterpak')
    .description('A caching just-in-time HLS packager: MP4 renditions to HLS with Bento4, kept on disk, served on demand.')
    .version(VERSION)
    .option('-c, --config <file>', 'configuration file (default: casterpak.config.json, .casterpakrc*, package.json#casterpak)')
    .configureOutput(output)
    .exitOverride();
  const named = COMMANDS.filter(([name]) => name === commandNamed(argv));
  for (const [, load] of named.length > 0 ? named : COMMANDS) {
    // addCommand does not pass help settings down: each command's --help shows --config itself.
    program.addCommand((await load()).exitOverride().configureOutput(output).configureHelp({ showGlobalOptions: true }));
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride too; commander has printed the text already.
      return error.exitCode;
    }
    process.stderr.write(`casterpak: ${oneLine(error)}\n`);
    if (!isCasterpakError(error) && process.env.CASTERPAK_DEBUG) console.error(error);
    return 1;
  }
}
