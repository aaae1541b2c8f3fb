import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigWithOrigin } from '../../../src/lib/config/load.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('loadConfig', () => {
  it('uses the defaults with no file, environment or flags, resolving paths against cwd', async () => {
    const cwd = tempDir();
    const config = await loadConfig({ cwd, env: {} });
    expect(config.cacheDir).toBe(path.join(cwd, 'casterpak-cache'));
    expect(config.segmentDuration).toBe(10);
    expect(config.sourceRoot).toBeNull();
    expect(config.bento4.binDir).toBeNull();
  });

  it('applies flags > environment > file > defaults, key by key', async () => {
    const cwd = tempDir();
    writeFileSync(
      path.join(cwd, 'casterpak.config.json'),
      JSON.stringify({ cacheDir: 'from-file', segmentDuration: 4, sourceRoot: 'lib-file', bento4: { timeoutMs: 1000 } }),
    );
    const env = { CASTERPAK_CACHE_DIR: 'from-env', CASTERPAK_SOURCE_ROOT: 'lib-env', CASTERPAK_BENTO4_TIMEOUT: '2000' };
    const config = await loadConfig({ cwd, env, flags: { cacheDir: 'from-flag' } });
    expect(config.cacheDir).toBe(path.join(cwd, 'from-flag')); // flag over env and file
    expect(config.sourceRoot).toBe(path.join(cwd, 'lib-env')); // env over file
    expect(config.bento4.timeoutMs).toBe(2000); // env over file
    expect(config.segmentDuration).toBe(4); // file over defaults
    expect(config.download.timeoutMs).toBe(300_000); // default
  });

  it('finds .casterpakrc and package.json#casterpak in the project', async () => {
    const rc = tempDir();
    writeFileSync(path.join(rc, '.casterpakrc'), 'segmentDuration: 6\n');
    expect((await loadConfig({ cwd: rc, env: {} })).segmentDuration).toBe(6);
    const pkg = tempDir();
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'x', casterpak: { segmentDuration: 8 } }));
    expect((await loadConfig({ cwd: pkg, env: {} })).segmentDuration).toBe(8);
  });

  it('reads an explicit --config file instead of searching', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ segmentDuration: 4 }));
    writeFileSync(path.join(cwd, 'other.json'), JSON.stringify({ segmentDuration: 2 }));
    expect((await loadConfig({ cwd, env: {}, configFile: 'other.json' })).segmentDuration).toBe(2);
  });

  it('names the bad key of the file, and the file', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ bento4: { timeoutMS: 5 }, serve: { port: 'abc' } }));
    await expect(loadConfig({ cwd, env: {} })).rejects.toMatchObject({
      code: 'CONFIG',
      message: `invalid configuration in ${path.join(cwd, 'casterpak.config.json')}: bento4.timeoutMS is not a known key`,
    });
  });

  it('names a bad value by what the user typed: the environment variable or the flag, not the key', async () => {
    await expect(loadConfig({ cwd: tempDir(), env: { CASTERPAK_SEGMENT_DURATION: 'ten' } })).rejects.toMatchObject({
      code: 'CONFIG',
      message: 'CASTERPAK_SEGMENT_DURATION must be an integer from 1 to 3600, got "ten"',
    });
    const flags = { flags: { serve: { port: 'abc' } }, flagNames: { 'serve.port': '--port' } };
    await expect(loadConfig({ cwd: tempDir(), env: { CASTERPAK_PORT: '9000' }, ...flags })).rejects.toMatchObject({
      message: '--port must be an integer from 0 to 65535, got "abc"',
    });
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ serve: { port: 'abc' } }));
    await expect(loadConfig({ cwd, env: {} })).rejects.toMatchObject({
      message: `invalid configuration in ${path.join(cwd, 'casterpak.config.json')}: serve.port must be an integer from 0 to 65535, got "abc"`,
    });
  });

  it('tells where each value came from: flag, environment, file or default', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ sourceRoot: 'lib', publishedRoot: 'pub', serve: { port: 1 } }));
    const { origin } = await loadConfigWithOrigin({
      cwd,
      env: { CASTERPAK_PUBLISHED_ROOT: 'p', CASTERPAK_PORT: '2' },
      flags: { serve: { port: '3' } },
      flagNames: { 'serve.port': '--port', sourceRoot: '--source-root' },
    });
    expect(origin('serve.port')).toBe('--port');
    expect(origin('publishedRoot')).toBe('CASTERPAK_PUBLISHED_ROOT');
    expect(origin('sourceRoot')).toBe(`sourceRoot in ${path.join(cwd, 'casterpak.config.json')}`);
    expect(origin('cacheDir')).toBe('the default cacheDir');
  });

  it('refuses a file that is not JSON, or not an object, or missing', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'broken.json'), '{ "cacheDir": ');
    writeFileSync(path.join(cwd, 'list.json'), '[1, 2]');
    await expect(loadConfig({ cwd, env: {}, configFile: 'broken.json' })).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/cannot read configuration/),
    });
    await expect(loadConfig({ cwd, env: {}, configFile: 'list.json' })).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/expected an object/),
    });
    await expect(loadConfig({ cwd, env: {}, configFile: 'nope.json' })).rejects.toMatchObject({ code: 'CONFIG' });
  });
});
