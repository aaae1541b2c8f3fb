// A configuration file that does not parse is named with its line and column (config/parse-error.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/lib/config/load.js';
import { tempDir } from '../../helpers/temp-dir.js';

const refusal = async (name: string, text: string) => {
  const cwd = tempDir('casterpak-config-');
  writeFileSync(path.join(cwd, name), text);
  const error = await loadConfig({ cwd, env: {} }).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  return { file: path.join(cwd, name), error };
};

describe('a configuration file that does not parse', () => {
  it('JSON: one line with the file, line and column of the mistake and the reason', async () => {
    const { file, error } = await refusal('casterpak.config.json', '{\n  "cacheDir": "x",\n  "serve": { "port": 80, }\n}\n');
    expect(error?.code).toBe('CONFIG');
    expect(error?.message).toMatch(new RegExp(`^cannot read configuration: JSON error in ${file}:3:26: \\S.*[a-z]$`));
    expect(error?.message).not.toContain('\n');
  });

  it('YAML: the same form', async () => {
    const { file, error } = await refusal('.casterpakrc.yaml', 'cacheDir: x\nserve: [1\n');
    expect(error?.message).toMatch(new RegExp(`^cannot read configuration: YAML error in ${file}:\\d+:\\d+: \\S`));
  });
});
