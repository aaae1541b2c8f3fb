// Reads the configuration file (cosmiconfig) and the environment, then validates the merged
// layers: defaults < file < environment < flags.
import os from 'node:os';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { CasterpakError } from '../shared/errors.js';
import { envLayer } from './env.js';
import { parseErrorLine } from './parse-error.js';
import { configOrigin, sourcedLayers, type ConfigOrigin } from './origin.js';
import { validateLayers, type CasterpakConfig, type ConfigInput } from './schema.js';

export interface LoadConfigOptions {
  readonly configFile?: string;
  readonly flags?: ConfigInput;
  /** Dotted key → the flag that set it (`serve.port` → `--port`), to name it in errors. */
  readonly flagNames?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig {
  readonly config: CasterpakConfig;
  /** Where each value came from, to name it in messages about it. */
  readonly origin: ConfigOrigin;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<CasterpakConfig> {
  return (await loadConfigWithOrigin(options)).config;
}

export async function loadConfigWithOrigin(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const explorer = cosmiconfig('casterpak', {
    searchStrategy: 'project',
    searchPlaces: ['package.json', 'casterpak.config.json', '.casterpakrc', '.casterpakrc.json', '.casterpakrc.yaml', '.casterpakrc.yml'],
  });
  let fileLayer: ConfigInput = {};
  let filePath: string | null = null;
  try {
    const found = options.configFile ? await explorer.load(path.resolve(cwd, options.configFile)) : await explorer.search(cwd);
    if (found && !found.isEmpty) {
      if (typeof found.config !== 'object' || found.config === null || Array.isArray(found.config)) {
        throw new CasterpakError('CONFIG', `invalid configuration in ${found.filepath}: expected an object`);
      }
      fileLayer = found.config as ConfigInput;
      filePath = found.filepath;
    }
  } catch (error) {
    if (error instanceof CasterpakError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const reason = parseErrorLine(message) ?? message.split('\n')[0];
    throw new CasterpakError('CONFIG', `cannot read configuration: ${reason}`, { cause: error });
  }
  const layers = {
    file: fileLayer,
    filePath,
    env: envLayer(options.env ?? process.env),
    flags: options.flags ?? {},
    flagNames: options.flagNames ?? {},
  };
  const config = validateLayers(sourcedLayers(layers), os.availableParallelism());
  return { config: resolvePaths(config, cwd), origin: configOrigin(layers) };
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
