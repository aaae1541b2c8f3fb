import { describe, expect, it } from 'vitest';
import { fileValidators, isNotModified, isPreconditionFailure, rangeStillValid } from '../../../../src/lib/origin/http/conditional.js';

const validators = fileValidators({ size: 1000, ino: 42, birthtimeMs: 1_700_000_000_123, ctimeMs: 1_700_000_500_000 });

describe('conditional requests (RFC 9110 §13)', () => {
  it('makes validators from size, inode and birth time, not mtime', () => {
    expect(validators.etag).toBe(`"3e8-2a-${(1_700_000_000_123).toString(16)}"`);
    expect(validators.lastModified.getTime()).toBe(1_700_000_000_000);
  });
  it('fails If-Match unless a strong tag in the list (or *) matches (§13.1.1)', () => {
    expect(isPreconditionFailure({ 'if-match': validators.etag }, validators)).toBe(false);
    expect(isPreconditionFailure({ 'if-match': `"x", ${validators.etag}` }, validators)).toBe(false);
    expect(isPreconditionFailure({ 'if-match': '*' }, validators)).toBe(false);
    expect(isPreconditionFailure({ 'if-match': '"other"' }, validators)).toBe(true);
    expect(isPreconditionFailure({ 'if-match': `W/${validators.etag}` }, validators)).toBe(true);
  });
  it('fails If-Unmodified-Since when the file changed later, and lets If-Match win (§13.1.4)', () => {
    const before = new Date(validators.lastModified.getTime() - 1000).toUTCString();
    const same = validators.lastModified.toUTCString();
    expect(isPreconditionFailure({ 'if-unmodified-since': before }, validators)).toBe(true);
    expect(isPreconditionFailure({ 'if-unmodified-since': same }, validators)).toBe(false);
    expect(isPreconditionFailure({ 'if-unmodified-since': 'not a date' }, validators)).toBe(false);
    expect(isPreconditionFailure({ 'if-match': validators.etag, 'if-unmodified-since': before }, validators)).toBe(false);
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
