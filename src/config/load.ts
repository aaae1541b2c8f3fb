// Reads the configuration file (cosmiconfig) and the environment, then validates the merged
// layers: defaults < file < environment < flags.
import os from 'node:os';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { CasterpakError } from '../shared/errors.js';
import { envLayer } from './env.js';
import { validateConfig, type CasterpakConfig, type ConfigInput } from './schema.js';

export interface LoadConfigOptions {
  readonly configFile?: string;
  readonly flags?: ConfigInput;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<CasterpakConfig> {
  const cwd = options.cwd ?? process.cwd();
  const explorer = cosmiconfig('casterpak', {
    searchStrategy: 'project',
    searchPlaces: ['package.json', 'casterpak.config.json', '.casterpakrc', '.casterpakrc.json', '.casterpakrc.yaml', '.casterpakrc.yml'],
  });
  let fileLayer: ConfigInput = {};
  try {
    const found = options.configFile ? await explorer.load(path.resolve(cwd, options.configFile)) : await explorer.search(cwd);
    if (found && !found.isEmpty) {
      if (typeof found.config !== 'object' || found.config === null || Array.isArray(found.config)) {
        throw new CasterpakError('CONFIG', `invalid configuration in ${found.filepath}: expected an object`);
      }
      fileLayer = found.config as ConfigInput;
    }
  } catch (error) {
    if (error instanceof CasterpakError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CasterpakError('CONFIG', `cannot read configuration: ${reason}`, { cause: error });
  }
  const config = validateConfig([fileLayer, envLayer(options.env ?? process.env), options.flags ?? {}], os.availableParallelism());
  return resolvePaths(config, cwd);
}

function resolvePaths(config: CasterpakConfig, cwd: string): CasterpakConfig {
  const abs = (p: string | null) => (p === null ? null : path.resolve(cwd, p));
  return {
    ...config,
    cacheDir: path.resolve(cwd, config.cacheDir),
    sourceRoot: abs(config.sourceRoot),
    publishedRoot: abs(config.publishedRoot),
    bento4: { ...config.bento4, binDir: abs(config.bento4.binDir) },
  };
}
