// Placeholder while this command is being built in parallel; replaced by its implementation.
import { Command } from 'commander';
import { CasterpakError } from '../lib/errors.js';

export function serveCommand(): Command {
  return new Command('serve').description('(in progress)').action(() => {
    throw new CasterpakError('USAGE', 'serve is not built yet');
  });
}
