import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, validateConfig, validateLayers } from '../../../src/lib/config/schema.js';
import { CasterpakError } from '../../../src/lib/shared/errors.js';
import { REPO_DIR } from '../../helpers/bento4.js';

const configError = (layers: Record<string, unknown>[]): string => {
  try {
    validateConfig(layers, 4);
  } catch (error) {
    expect(error).toBeInstanceOf(CasterpakError);
    expect((error as CasterpakError).code).toBe('CONFIG');
    return (error as Error).message;
  }
  throw new Error('expected a CONFIG error');
};

describe('validateConfig', () => {
  it('gives the defaults when no layer sets anything, with per-machine values from the core count', () => {
    const config = validateConfig([], 6);
    expect(config).toEqual(defaultConfig(6));
    expect(config.package.concurrency).toBe(6);
    expect(config.serve.maxJobs).toBe(6);
    expect(config.segmentDuration).toBe(10);
    expect(config.cacheDir).toBe('./casterpak-cache');
  });

  it('applies layers in order, later layers winning key by key', () => {
    const config = validateConfig(
      [
        { cacheDir: '/file', segmentDuration: 6, bento4: { timeoutMs: 1000 } },
        { cacheDir: '/env', bento4: { binDir: '/opt/bento4' } },
        { cacheDir: '/flag' },
      ],
      2,
    );
    expect(config.cacheDir).toBe('/flag');
    expect(config.segmentDuration).toBe(6);
    expect(config.bento4).toEqual({ binDir: '/opt/bento4', timeoutMs: 1000 });
    expect(config.download).toEqual(defaultConfig(2).download); // untouched sections keep their defaults
  });

  it('parses strings from the environment and flags', () => {
    const config = validateConfig(
      [{ segmentDuration: '4', package: { concurrency: '3' }, serve: { port: '9000' }, prune: { olderThan: '2h', maxSizeBytes: '50G' } }],
      2,
    );
    expect(config.segmentDuration).toBe(4);
    expect(config.package.concurrency).toBe(3);
    expect(config.serve.port).toBe(9000);
    expect(config.prune.olderThan).toBe('2h');
    expect(config.prune.maxSizeBytes).toBe(50 * 1024 ** 3);
  });

  it('reads a bare number in a *Ms key as milliseconds, whether it came as a number or a string', () => {
    expect(validateConfig([{ bento4: { timeoutMs: 1500 } }], 1).bento4.timeoutMs).toBe(1500);
    expect(validateConfig([{ bento4: { timeoutMs: '1500' } }], 1).bento4.timeoutMs).toBe(1500);
    expect(validateConfig([{ bento4: { timeoutMs: '90s' } }], 1).bento4.timeoutMs).toBe(90_000);
  });

  it('takes only whole seconds for segmentDuration (mp42hls truncates fractions)', () => {
    expect(configError([{ segmentDuration: 2.5 }])).toMatch(/segmentDuration/);
    expect(configError([{ segmentDuration: '0' }])).toMatch(/segmentDuration/);
    expect(configError([{ segmentDuration: 'ten' }])).toMatch(/segmentDuration/);
  });

  it('strips trailing slashes from URLs and lower-cases extensions', () => {
    const config = validateConfig([{ publicBaseUrl: 'https://cdn.example/', mediaExtensions: ['.MP4', '.m4v'] }], 1);
    expect(config.publicBaseUrl).toBe('https://cdn.example');
    expect(config.mediaExtensions).toEqual(['.mp4', '.m4v']);
  });

  it.each([
    [{ cacheDirr: 'x' }, /cacheDirr is not a known key/],
    [{ bento4: { timeout: 5 } }, /bento4\.timeout is not a known key/],
    [{ bento4: 'fast' }, /bento4 must be an object/],
    [{ cacheDir: '' }, /cacheDir must be a non-empty string/],
    [{ publicBaseUrl: 'ftp://x' }, /publicBaseUrl must be an http\(s\) URL/],
    [{ upstream: 'not a url' }, /upstream must be an http\(s\) URL/],
    [{ package: { concurrency: 0 } }, /package\.concurrency must be an integer from 1/],
    [{ serve: { port: 70000 } }, /serve\.port must be an integer/],
    [{ serve: { logLevel: 'loud' } }, /serve\.logLevel must be one of/],
    [{ serve: { masterPrefix: 'p' } }, /serve\.masterPrefix/],
    [{ download: { maxBytes: 'huge' } }, /download\.maxBytes must be a size/],
    [{ prune: { olderThan: 'later' } }, /prune\.olderThan must be a duration/],
    [{ rewrite: { pathPatterns: ['('] } }, /rewrite\.pathPatterns has an invalid pattern/],
    [{ mediaExtensions: ['mp4'] }, /mediaExtensions/],
  ])('names the bad key: %j', (layer, message) => {
    expect(configError([layer])).toMatch(message);
  });

  it('takes prune.olderThan only with its unit, and refuses the old prune.olderThanMs saying what to write', () => {
    expect(validateConfig([{ prune: { olderThan: ' 30m' } }], 1).prune.olderThan).toBe('30m');
    const validated = validateConfig([{ prune: { olderThan: '7d' } }], 1);
    expect(validateConfig([validated as unknown as Record<string, unknown>], 1)).toEqual(validated); // validates again
    for (const bare of [2, '2', 0, '0'])
      expect(configError([{ prune: { olderThan: bare } }])).toBe(
        `invalid configuration: prune.olderThan must be a duration with its unit, such as 30m, 2h or 7d, got ${JSON.stringify(bare)}`,
      );
    expect(configError([{ prune: { olderThanMs: 2 } }])).toBe(
      'invalid configuration: prune.olderThanMs is no longer read: write prune.olderThan with its unit instead, e.g. "2h"',
    );
  });

  it('reads on/off, true/false, yes/no and 1/0 as booleans (serve.accessLog)', () => {
    expect(validateConfig([], 1).serve.accessLog).toBe(true);
    expect(validateConfig([{ serve: { accessLog: 'off' } }], 1).serve.accessLog).toBe(false);
    expect(validateConfig([{ serve: { accessLog: 'ON' } }], 1).serve.accessLog).toBe(true);
    expect(validateConfig([{ serve: { accessLog: false } }], 1).serve.accessLog).toBe(false);
    expect(configError([{ serve: { accessLog: 'maybe' } }])).toBe(
      'invalid configuration: serve.accessLog must be on or off (true or false), got "maybe"',
    );
  });

  it('reads the response memory budget as a size, never null (streaming past it needs a number)', () => {
    expect(validateConfig([{ serve: { responseMemoryBytes: '16M' } }], 1).serve.responseMemoryBytes).toBe(16 * 1024 * 1024);
    expect(() => validateConfig([{ serve: { responseMemoryBytes: null } }], 1)).toThrow('serve.responseMemoryBytes must be a size');
  });

  it('lets each layer name its bad values (a flag, a variable, a file)', () => {
    const describe = (key: string, why: string) => `[${key}] ${why}`;
    expect(() => validateLayers([{ values: { serve: { port: 1 } } }, { values: { serve: { port: 'x' } }, describe }], 1)).toThrow(
      '[serve.port] must be an integer from 0 to 65535, got "x"',
    );
    expect(() => validateLayers([{ values: { serve: { prot: 1 } }, describe }], 1)).toThrow('[serve.prot] is not a known key');
  });

  it('reports the first bad key of a later layer even when earlier layers were fine', () => {
    expect(configError([{ cacheDir: '/ok' }, { serve: { workers: 'many' } }])).toMatch(/^invalid configuration: serve\.workers/);
  });
});

// Dotted paths of every leaf key, "$…" notes left out.
// `renditions.ladder` is one value: its keys are profile names, not configuration keys.
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || prefix === 'renditions.ladder.') return [prefix.slice(0, -1)];
  return Object.entries(value as Record<string, unknown>)
    .filter(([key]) => !key.startsWith('$'))
    .flatMap(([key, child]) => keyPaths(child, `${prefix}${key}.`))
    .sort();
}

describe('casterpak.config.example.json', () => {
  const example = JSON.parse(readFileSync(path.join(REPO_DIR, 'casterpak.config.example.json'), 'utf8')) as Record<string, any>;

  it('has exactly the keys of defaultConfig', () => {
    expect(keyPaths(example)).toEqual(keyPaths(defaultConfig(2)));
  });

  it('validates to defaultConfig for the machine it shows (per-machine keys: package.concurrency, serve.maxJobs)', () => {
    const cores = example.package.concurrency;
    expect(example.serve.maxJobs).toBe(cores);
    expect(validateConfig([example], cores)).toEqual(defaultConfig(cores));
  });

  it('ignores "$" notes at any level but still refuses unknown keys', () => {
    expect(validateConfig([{ $comment: 'x', serve: { $note: 'y', port: 1 } }], 1).serve.port).toBe(1);
    expect(configError([{ comment: 'x' }])).toMatch(/comment is not a known key/);
  });
});

describe('docs/configuration.md', () => {
  it('documents every key', () => {
    const doc = readFileSync(path.join(REPO_DIR, 'docs/configuration.md'), 'utf8');
    for (const key of keyPaths(defaultConfig(2))) expect(doc, key).toContain(`\`${key}\``);
  });
});
