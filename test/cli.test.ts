import { describe, expect, it } from 'vitest';
import { buildProgram, commandNamed } from '../src/cli.js';
import { envVariableOf } from '../src/lib/config/env.js';
import { defaultConfig } from '../src/lib/config/schema.js';
import type { ConfigFlag } from '../src/commands/config-flags.js';
import { PACKAGE_FLAGS } from '../src/commands/package.js';
import { PRUNE_FLAGS } from '../src/commands/prune.js';
import { REWRITE_MASTER_FLAGS } from '../src/commands/rewrite-master.js';
import { SERVE_FLAGS } from '../src/commands/serve.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const program = await buildProgram();
const longFlags = (command: Awaited<ReturnType<typeof buildProgram>>) => command.options.map((o) => o.long ?? o.short ?? o.flags);

describe('casterpak --help', () => {
  it('lists every global flag and every command', async () => {
    const { code, stdout } = await runCli(['--help'], { cwd: tempDir() });
    expect(code).toBe(0);
    for (const flag of [...longFlags(program), '--help']) expect(stdout).toContain(flag);
    for (const command of program.commands) expect(stdout).toMatch(new RegExp(`^  ${command.name()}\\b`, 'm'));
  });

  it.each(program.commands.map((c) => [c.name(), c] as const))(
    'casterpak %s --help lists every flag, each with a description, and the global ones',
    async (name, command) => {
      const { code, stdout } = await runCli([name, '--help'], { cwd: tempDir() });
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: casterpak ${name}`));
      for (const option of command.options) {
        expect(stdout, option.flags).toContain(option.flags);
        expect(option.description, option.flags).not.toBe('');
      }
      expect(stdout, 'the global --config').toContain('-c, --config <file>');
    },
  );

  // Every key of the configuration, dotted.
  const keys = (value: object, prefix = ''): string[] =>
    Object.entries(value).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null && !Array.isArray(v) ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
    );
  const CONFIG_FLAGS: Record<string, readonly ConfigFlag[]> = {
    package: PACKAGE_FLAGS,
    serve: SERVE_FLAGS,
    prune: PRUNE_FLAGS,
    'rewrite-master': REWRITE_MASTER_FLAGS,
  };

  it.each(program.commands.map((c) => [c.name(), c] as const))(
    'casterpak %s --help is written the same way: real value names, defaults as "default: …", key and variable of each configuration flag',
    (name, command) => {
      for (const option of command.options) {
        expect(option.flags, name).not.toMatch(/<value>/);
        expect(option.description, option.flags).not.toMatch(/\(default [^:]|default: +\(/); // one way to write a default
        for (const [, key] of option.description.matchAll(/\bconfig ([\w.]+)/g))
          expect(keys(defaultConfig(1)), `${option.flags}: ${key}`).toContain(key);
      }
      for (const flag of CONFIG_FLAGS[name] ?? []) {
        const option = command.options.find((o) => o.flags === flag.flags);
        expect(option, flag.flags).toBeDefined();
        expect(option!.description).toContain(`config ${flag.key}`);
        const env = envVariableOf(flag.key);
        if (env !== undefined) expect(option!.description).toContain(`env ${env}`);
        if (flag.default !== undefined) expect(option!.description).toContain(`default: ${flag.default}`);
      }
      expect(
        command.options
          .filter((o) => /\(config /.test(o.description))
          .map((o) => o.flags)
          .sort(),
      ).toEqual((CONFIG_FLAGS[name] ?? []).map((f) => f.flags).sort());
    },
  );

  it('prints the version', async () => {
    const { code, stdout } = await runCli(['--version'], { cwd: tempDir() });
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 1 with a usage hint on an unknown option or command', async () => {
    const option = await runCli(['package', '--no-such-flag'], { cwd: tempDir() });
    expect(option.code).toBe(1);
    expect(option.stderr).toMatch(/unknown option '--no-such-flag'/);
    const command = await runCli(['frobnicate'], { cwd: tempDir() });
    expect(command.code).toBe(1);
    expect(command.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('commandNamed', () => {
  it('finds the command after global options and the --config value', () => {
    const argv = (...args: string[]) => ['node', 'casterpak', ...args];
    expect(commandNamed(argv('package', 'x.mp4'))).toBe('package');
    expect(commandNamed(argv('-c', 'serve', 'package', 'x.mp4'))).toBe('package');
    expect(commandNamed(argv('--config', 'prune.json', 'serve'))).toBe('serve');
    expect(commandNamed(argv('--config=a.json', 'kfonly'))).toBe('kfonly');
    expect(commandNamed(argv('--help'))).toBeUndefined();
  });

  it('loads only the named command, or all of them', async () => {
    expect((await buildProgram(['node', 'casterpak', 'package', 'x.mp4'])).commands.map((c) => c.name())).toEqual(['package']);
    expect((await buildProgram(['node', 'casterpak', 'help'])).commands.map((c) => c.name())).toEqual([
      'package',
      'serve',
      'kfonly',
      'rewrite-master',
      'prune',
      'token',
    ]);
  });

  it('runs a command given after --config', async () => {
    const cwd = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${cwd}/serve`, '{}');
    const result = await runCli(['-c', 'serve', 'package'], { cwd });
    expect(result.stderr).toBe('casterpak: no input: give MP4 files or URLs, or --from-file <list>\n');
  });
});
