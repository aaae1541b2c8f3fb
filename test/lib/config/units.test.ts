import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseDuration, parseSize } from '../../../src/lib/config/units.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['1.5s', 1500],
    [' 2H ', 7_200_000],
    ['45', 45_000], // a bare number is seconds
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '-5s', '5 years', '1e3', '2h30m'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['512', 512],
    ['1k', 1024],
    ['500M', 500 * 1024 ** 2],
    ['50G', 50 * 1024 ** 3],
    ['50GiB', 50 * 1024 ** 3],
    ['2gb', 2 * 1024 ** 3],
    ['1.5T', 1.5 * 1024 ** 4],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'big', '-1G', '5X', '1 2'])('refuses %j', (text) => {
    expect(parseSize(text)).toBeNull();
  });
});

describe('formatBytes / formatDuration', () => {
  it('uses binary units with one decimal above bytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('shows ms, seconds, then minutes and seconds', () => {
    expect(formatDuration(197)).toBe('197 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});
