import { describe, expect, it } from 'vitest';
import { DEFAULT_LADDER, PROFILE_NAME, ladder } from '../../../src/lib/config/ladder.js';
import { InvalidValue } from '../../../src/lib/config/checks.js';
import { defaultConfig, validateConfig } from '../../../src/lib/config/schema.js';
import { CasterpakError } from '../../../src/lib/shared/errors.js';

const refusal = (value: unknown): string => {
  try {
    ladder(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidValue);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
};

describe('renditions.ladder', () => {
  it('defaults to the 1080p to 234p ladder, VBV at 1.2 × the average over a 2 × peak buffer, veryfast', () => {
    expect(defaultConfig(2).renditions.ladder).toBe(DEFAULT_LADDER);
    expect(Object.keys(DEFAULT_LADDER)).toEqual(['1080p', '720p', '540p', '360p', '234p']);
    for (const [name, p] of Object.entries(DEFAULT_LADDER)) {
      expect(name).toBe(`${p.height}p`);
      expect(p.maxRate).toBe(p.videoBitrate * 1.2);
      expect(p.bufSize).toBe(p.maxRate * 2);
      expect(p.preset).toBe('veryfast');
    }
    expect(DEFAULT_LADDER['720p']).toMatchObject({ videoBitrate: 3_000_000, profile: 'high', level: '3.1' });
    expect(DEFAULT_LADDER['234p']).toMatchObject({ videoBitrate: 145_000, profile: 'baseline', level: '3.0' });
  });

  it('fills a profile from height and videoBitrate, reading k and M rates', () => {
    expect(ladder({ sd: { height: 480, videoBitrate: '1.5M' } })).toEqual({
      sd: {
        height: 480,
        videoBitrate: 1_500_000,
        maxRate: 1_800_000,
        bufSize: 3_600_000,
        profile: 'high',
        level: '4.0',
        preset: 'veryfast',
      },
    });
    const full = ladder({
      $comment: 'skipped',
      low: {
        height: 144,
        videoBitrate: 100000,
        maxRate: '150k',
        bufSize: '100k',
        profile: 'baseline',
        level: '1b',
        preset: 'slow',
        $note: 'x',
      },
    });
    expect(full).toEqual({
      low: { height: 144, videoBitrate: 100_000, maxRate: 150_000, bufSize: 100_000, profile: 'baseline', level: '1b', preset: 'slow' },
    });
    expect(ladder({})).toEqual({});
  });

  it('says what is wrong, naming the profile and key', () => {
    expect(refusal([])).toMatch(/must be an object of named profiles/);
    expect(refusal({ 'bad name': { height: 360, videoBitrate: '1M' } })).toBe('profile name "bad name" must be 1 to 16 letters or digits');
    expect(refusal({ a_b: { height: 360, videoBitrate: '1M' } })).toMatch(/profile name "a_b"/);
    expect(refusal({ p: 'x' })).toBe('p must be an object');
    expect(refusal({ p: { height: 360, videoBitrate: '1M', crf: 23 } })).toMatch(/^p\.crf is not a known key \(height, videoBitrate/);
    for (const height of [63, 361, 4322, '360', undefined])
      expect(refusal({ p: { height, videoBitrate: '1M' } })).toMatch(/^p\.height must be an even number of pixels from 64 to 4320/);
    for (const rate of ['fast', '10k', '300M', -1, '1G'])
      expect(refusal({ p: { height: 360, videoBitrate: rate } })).toMatch(
        /^p\.videoBitrate must be a bit rate such as "3000k" or "6M" \(16k to 200M\)/,
      );
    expect(refusal({ p: { height: 360, videoBitrate: '1M', maxRate: '900k' } })).toBe('p.maxRate must not be below videoBitrate');
    expect(refusal({ p: { height: 360, videoBitrate: '1M', bufSize: 'x' } })).toMatch(/^p\.bufSize must be a bit rate/);
    expect(refusal({ p: { height: 360, videoBitrate: '1M', profile: 'high10' } })).toBe(
      'p.profile must be baseline, main or high, got "high10"',
    );
    expect(refusal({ p: { height: 360, videoBitrate: '1M', level: '3.3' } })).toBe(
      'p.level must be an H.264 level such as "3.1", got "3.3"',
    );
    expect(refusal({ p: { height: 360, videoBitrate: '1M', preset: 'placebo' } })).toMatch(
      /^p\.preset must be one of ultrafast, .*veryslow, got "placebo"/,
    );
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, { height: 360, videoBitrate: '1M' }]));
    expect(refusal(many)).toBe('holds more than 16 profiles');
  });

  it('profile names are what derived paths can carry', () => {
    expect(['720p', 'A1', 'x'.repeat(16)].every((n) => PROFILE_NAME.test(n))).toBe(true);
    expect(['', 'a_b', 'a.b', 'a/b', 'x'.repeat(17)].some((n) => PROFILE_NAME.test(n))).toBe(false);
  });

  it('is one configuration value that replaces the default ladder whole, with the key in the message', () => {
    const config = validateConfig([{ renditions: { ladder: { small: { height: 120, videoBitrate: '100k' } } } }], 2);
    expect(Object.keys(config.renditions.ladder)).toEqual(['small']);
    expect(config.renditions).toMatchObject({ inMaster: false, maxTranscodes: 1, maxQueue: 16, timeoutMs: 120_000 });
    let message = '';
    try {
      validateConfig([{ renditions: { ladder: { small: { height: 121, videoBitrate: '100k' } } } }], 2);
    } catch (error) {
      expect(error).toBeInstanceOf(CasterpakError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/renditions\.ladder/);
    expect(message).toMatch(/small\.height must be an even number/);
  });
});
