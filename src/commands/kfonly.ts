// Placeholder while this command is being built in parallel; replaced by its implementation.
import { Command } from 'commander';
import { CasterpakError } from '../lib/errors.js';

export function kfonlyCommand(): Command {
  return new Command('kfonly').description('(in progress)').action(() => {
    throw new CasterpakError('USAGE', 'kfonly is not built yet');
  });
}
