// Placeholder while this command is being built in parallel; replaced by its implementation.
import { Command } from 'commander';
import { CasterpakError } from '../lib/errors.js';

export function pruneCommand(): Command {
  return new Command('prune').description('(in progress)').action(() => {
    throw new CasterpakError('USAGE', 'prune is not built yet');
  });
}
