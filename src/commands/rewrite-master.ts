// Placeholder while this command is being built in parallel; replaced by its implementation.
import { Command } from 'commander';
import { CasterpakError } from '../lib/errors.js';

export function rewriteMasterCommand(): Command {
  return new Command('rewrite-master').description('(in progress)').action(() => {
    throw new CasterpakError('USAGE', 'rewrite-master is not built yet');
  });
}
