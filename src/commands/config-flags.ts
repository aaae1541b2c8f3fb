// Flags that set configuration keys. Each command lists them in one table (flag with its value
// name, key, help, default); the help text then names the key and its environment variable the
// same way in every command, and errors about a value name the flag that carried it.
import { Option, type Command } from 'commander';
import { envVariableOf, layerFrom } from '../lib/config/env.js';
import type { LoadConfigOptions } from '../lib/config/load.js';

export interface ConfigFlag {
  /** As commander takes it, with a real value name: `--port <port>`, `--cache-dir <dir>`. */
  readonly flags: string;
  /** The dotted configuration key it sets. */
  readonly key: string;
  readonly help: string;
  /** The default as help shows it; omitted when unset means "none". */
  readonly default?: string;
  /** Given once per value (`--host a --host b`), collected into a list. */
  readonly repeatable?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function configFlagHelp(flag: ConfigFlag): string {
  const env = envVariableOf(flag.key);
  const where = `config ${flag.key}${env === undefined ? '' : `, env ${env}`}`;
  return `${flag.help} (${where}${flag.default === undefined ? '' : `; default: ${flag.default}`})`;
}

export function addConfigFlags(command: Command, table: readonly ConfigFlag[]): Command {
  for (const flag of table) {
    const option = new Option(flag.flags, configFlagHelp(flag));
    command.addOption(flag.repeatable ? option.argParser(collect) : option);
  }
  return command;
}

// The flags given, as the flags layer of the configuration, with the flag that set each key.
// `values` overrides what commander parsed (a command that checked and converted a flag first).
export function configFlagLayer(
  table: readonly ConfigFlag[],
  options: Readonly<Record<string, unknown>>,
  values: Readonly<Record<string, unknown>> = {},
): Required<Pick<LoadConfigOptions, 'flags' | 'flagNames'>> {
  const flags = table.map((flag) => ({ flag, option: new Option(flag.flags) }));
  return {
    flags: layerFrom(
      flags.map(({ flag, option }) => [flag.key, flag.key in values ? values[flag.key] : options[option.attributeName()]] as const),
    ),
    flagNames: Object.fromEntries(flags.map(({ flag, option }) => [flag.key, option.long ?? flag.flags])),
  };
}
