// The casterpak command line. Commands throw typed errors; this is the only place that turns
// them into a one-line message and an exit code.
import { Command, CommanderError } from 'commander';
import { oneLine, isCasterpakError } from './lib/errors.js';
import { packageCommand } from './commands/package.js';
import { serveCommand } from './commands/serve.js';
import { kfonlyCommand } from './commands/kfonly.js';
import { rewriteMasterCommand } from './commands/rewrite-master.js';
import { pruneCommand } from './commands/prune.js';
import { VERSION } from './lib/version.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('casterpak')
    .description('A caching just-in-time HLS packager: MP4 renditions to HLS with Bento4, kept on disk, served on demand.')
    .version(VERSION)
    .option('-c, --config <file>', 'configuration file (default: casterpak.config.json, .casterpakrc*, package.json#casterpak)')
    .showHelpAfterError('(run casterpak --help for usage)')
    .exitOverride();
  for (const command of [packageCommand(), serveCommand(), kfonlyCommand(), rewriteMasterCommand(), pruneCommand()]) {
    // addCommand does not pass help settings down: each command's --help shows --config itself.
    program.addCommand(command.exitOverride().configureHelp({ showGlobalOptions: true }));
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
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
