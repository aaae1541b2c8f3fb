import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from '../../helpers/bento4.js';
import { ENV_VARIABLES, envLayer, envVariableOf, layerFrom } from '../../../src/lib/config/env.js';
import { validateConfig } from '../../../src/lib/config/schema.js';

describe('layerFrom', () => {
  it('nests dotted keys and skips undefined values', () => {
    expect(
      layerFrom([
        ['cacheDir', '/c'],
        ['bento4.binDir', '/b'],
        ['bento4.timeoutMs', 5],
        ['serve.cacheControl.segment', 'no-store'],
        ['sourceRoot', undefined],
      ]),
    ).toEqual({ cacheDir: '/c', bento4: { binDir: '/b', timeoutMs: 5 }, serve: { cacheControl: { segment: 'no-store' } } });
  });

  it('gives an empty layer for no values', () => {
    expect(layerFrom([['cacheDir', undefined]])).toEqual({});
  });
});

describe('envLayer', () => {
  it('maps CASTERPAK_* variables to their keys and ignores empty and unknown ones', () => {
    const layer = envLayer({
      CASTERPAK_CACHE_DIR: '/var/cache/casterpak',
      CASTERPAK_BENTO4_DIR: '/opt/bento4/bin',
      CASTERPAK_BENTO4_TIMEOUT: '1500',
      CASTERPAK_PORT: '9000',
      CASTERPAK_SOURCE_ROOT: '',
      CASTERPAK_NOT_A_THING: 'x',
      HOME: '/root',
    });
    expect(layer).toEqual({
      cacheDir: '/var/cache/casterpak',
      bento4: { binDir: '/opt/bento4/bin', timeoutMs: '1500' },
      serve: { port: '9000' },
    });
  });

  it('names only keys the schema accepts', () => {
    for (const name of ENV_VARIABLES) {
      const value =
        name.endsWith('_DIR') || name.endsWith('_ROOT')
          ? '/x'
          : name.includes('URL') || name.includes('UPSTREAM')
            ? 'http://127.0.0.1'
            : name === 'CASTERPAK_LOG_LEVEL'
              ? 'warn'
              : name === 'CASTERPAK_ACCESS_LOG'
                ? 'off'
                : name === 'CASTERPAK_HOST'
                  ? '::1'
                  : '3';
      expect(() => validateConfig([envLayer({ [name]: value })], 1), name).not.toThrow();
    }
  });

  it('finds the variable of a key, if it has one', () => {
    expect(envVariableOf('serve.port')).toBe('CASTERPAK_PORT');
    expect(envVariableOf('serve.accessLog')).toBe('CASTERPAK_ACCESS_LOG');
    expect(envVariableOf('serve.maxQueue')).toBeUndefined();
  });

  it('makes CASTERPAK_BENTO4_TIMEOUT=1500 a 1.5 s limit once validated', () => {
    expect(validateConfig([envLayer({ CASTERPAK_BENTO4_TIMEOUT: '1500' })], 1).bento4.timeoutMs).toBe(1500);
  });
});

describe('docs/configuration.md', () => {
  it('documents every environment variable', () => {
    const doc = readFileSync(path.join(REPO_DIR, 'docs/configuration.md'), 'utf8');
    for (const name of ENV_VARIABLES) expect(doc, name).toContain(`\`${name}\``);
  });
});
