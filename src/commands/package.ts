// Placeholder while this command is being built; replaced by its implementation.
import { Command } from 'commander';
import { CasterpakError } from '../lib/errors.js';

export function packageCommand(): Command {
  return new Command('package').description('(in progress)').action(() => {
    throw new CasterpakError('USAGE', 'package is not built yet');
  });
}
