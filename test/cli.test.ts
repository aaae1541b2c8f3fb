import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const program = buildProgram();
const longFlags = (command: ReturnType<typeof buildProgram>) => command.options.map((o) => o.long ?? o.short ?? o.flags);

describe('casterpak --help', () => {
  it('lists every global flag and every command', async () => {
    const { code, stdout } = await runCli(['--help'], { cwd: tempDir() });
    expect(code).toBe(0);
    for (const flag of [...longFlags(program), '--help']) expect(stdout).toContain(flag);
    for (const command of program.commands) expect(stdout).toMatch(new RegExp(`^  ${command.name()}\\b`, 'm'));
  });

  it.each(program.commands.map((c) => [c.name(), c] as const))('casterpak %s --help lists every flag, each with a description, and the global ones', async (name, command) => {
    const { code, stdout } = await runCli([name, '--help'], { cwd: tempDir() });
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: casterpak ${name}`));
    for (const option of command.options) {
      expect(stdout, option.flags).toContain(option.flags);
      expect(option.description, option.flags).not.toBe('');
    }
    expect(stdout, 'the global --config').toContain('-c, --config <file>');
  });

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
