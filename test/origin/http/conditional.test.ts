import { describe, expect, it } from 'vitest';
import { fileValidators, isNotModified, rangeStillValid } from '../../../src/origin/http/conditional.js';

const validators = fileValidators({ size: 1000, ino: 42, birthtimeMs: 1_700_000_000_123, ctimeMs: 1_700_000_500_000 });

describe('conditional requests (RFC 9110 §13)', () => {
  it('makes validators from size, inode and birth time, not mtime', () => {
    expect(validators.etag).toBe(`"3e8-2a-${(1_700_000_000_123).toString(16)}"`);
    expect(validators.lastModified.getTime()).toBe(1_700_000_000_000);
  });
  it('matches If-None-Match, weak or strong, in a list or *', () => {
    expect(isNotModified({ 'if-none-match': validators.etag }, validators)).toBe(true);
    expect(isNotModified({ 'if-none-match': `"x", W/${validators.etag}` }, validators)).toBe(true);
    expect(isNotModified({ 'if-none-match': '*' }, validators)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"other"' }, validators)).toBe(false);
  });
  it('uses If-Modified-Since only without If-None-Match', () => {
    const later = new Date(1_700_000_100_000).toUTCString();
    const earlier = new Date(1_699_000_000_000).toUTCString();
    expect(isNotModified({ 'if-modified-since': later }, validators)).toBe(true);
    expect(isNotModified({ 'if-modified-since': earlier }, validators)).toBe(false);
    expect(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': later }, validators)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'garbage' }, validators)).toBe(false);
  });
  it('applies If-Range only while the strong validator matches', () => {
    expect(rangeStillValid(undefined, validators)).toBe(true);
    expect(rangeStillValid(validators.etag, validators)).toBe(true);
    expect(rangeStillValid('"changed"', validators)).toBe(false);
    expect(rangeStillValid(`W/${validators.etag}`, validators)).toBe(false);
    expect(rangeStillValid(validators.lastModified.toUTCString(), validators)).toBe(true);
  });
});
