// Where each configuration value came from, so that a mistake is reported the way the operator
// typed it: `--port must be…`, `CASTERPAK_PORT must be…`, or the key and the file that holds it.
// The layers are merged defaults < file < environment < flags (docs/configuration.md).
import { envVariableOf } from './env.js';
import type { ConfigInput, ConfigLayer } from './schema.js';

interface SourcedLayers {
  readonly file: ConfigInput;
  /** The configuration file read, or null when there is none. */
  readonly filePath: string | null;
  readonly env: ConfigInput;
  readonly flags: ConfigInput;
  /** Dotted configuration key → the flag that set it, e.g. `serve.port` → `--port`. */
  readonly flagNames: Readonly<Record<string, string>>;
}

/** Names a configuration key by where its value came from: `--source-root`, `CASTERPAK_SOURCE_ROOT`, `sourceRoot in /etc/casterpak.json` or `the default cacheDir`. */
export type ConfigOrigin = (key: string) => string;

function has(layer: ConfigInput, dotted: string): boolean {
  let node: unknown = layer;
  for (const part of dotted.split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return node !== undefined;
}

export function sourcedLayers(layers: SourcedLayers): ConfigLayer[] {
  const inFile = layers.filePath === null ? '' : ` in ${layers.filePath}`;
  return [
    { values: layers.file, describe: (key, why) => `invalid configuration${inFile}: ${key} ${why}` },
    { values: layers.env, describe: (key, why) => `${envVariableOf(key) ?? key} ${why}` },
    { values: layers.flags, describe: (key, why) => `${layers.flagNames[key] ?? key} ${why}` },
  ];
}

export function configOrigin(layers: SourcedLayers): ConfigOrigin {
  return (key) => {
    if (has(layers.flags, key)) return layers.flagNames[key] ?? key;
    if (has(layers.env, key)) return envVariableOf(key) ?? key;
    if (has(layers.file, key) && layers.filePath !== null) return `${key} in ${layers.filePath}`;
    return `the default ${key}`;
  };
}

// Names by key alone: for configurations built in code.
export const byKey: ConfigOrigin = (key) => key;
