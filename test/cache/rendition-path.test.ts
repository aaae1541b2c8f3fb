import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertRenditionPath, renditionPathError, renditionPathForInput } from '../../src/cache/rendition-path.js';

const MP4 = ['.mp4'];

describe('renditionPathError', () => {
  it.each(['x.mp4', '20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4', 'a/b.c/d.MP4', 'show~1/ep=2+3/x,y.mp4'])('accepts %s', (p) => {
    expect(renditionPathError(p, MP4)).toBeNull();
  });

  it.each([
    ['', /empty/],
    ['../x.mp4', /bad path segment/],
    ['a/../x.mp4', /bad path segment/],
    ['a/./x.mp4', /bad path segment/],
    ['.hidden/x.mp4', /bad path segment/],
    ['/abs/x.mp4', /bad path segment ""/],
    ['a//x.mp4', /bad path segment ""/],
    ['a\\..\\x.mp4', /bad path segment/],
    ['a/x y.mp4', /bad path segment/],
    ['a/%2e%2e/x.mp4', /bad path segment/],
    ['a/x.mp4\0', /bad path segment/],
    ['x.mkv', /not a media file/],
    ['x', /not a media file/],
    [`${'a/'.repeat(600)}x.mp4`, /too long/],
  ])('refuses %j', (p, reason) => {
    expect(renditionPathError(p, MP4)).toMatch(reason);
  });

  it('throws BAD_PATH from assertRenditionPath', () => {
    expect(() => assertRenditionPath('../etc/passwd.mp4', MP4)).toThrow(expect.objectContaining({ code: 'BAD_PATH' }));
    expect(assertRenditionPath('ok.mp4', MP4)).toBe('ok.mp4');
  });
});

describe('renditionPathForInput', () => {
  const root = path.resolve('/srv/library');

  it('keeps the path relative to the source root for inputs inside it', () => {
    expect(renditionPathForInput('/srv/library/20220404/1251/x.mp4', root, '/anywhere')).toBe('20220404/1251/x.mp4');
    expect(renditionPathForInput('20220404/1251/x.mp4', root, root)).toBe('20220404/1251/x.mp4');
    expect(renditionPathForInput('../library/a/x.mp4', root, '/srv/other')).toBe('a/x.mp4');
  });

  it('uses the file name for inputs outside the source root, or without one', () => {
    expect(renditionPathForInput('/home/me/x.mp4', root, '/')).toBe('x.mp4');
    expect(renditionPathForInput('/srv/library-old/x.mp4', root, '/')).toBe('x.mp4'); // a sibling with the same prefix is outside
    expect(renditionPathForInput('media/x.mp4', null, '/work')).toBe('x.mp4');
  });

  it('uses the decoded URL path for URLs', () => {
    expect(renditionPathForInput('https://cdn.example/i/2022/a%20b.mp4?token=1', root, '/')).toBe('i/2022/a b.mp4');
    expect(renditionPathForInput('HTTP://cdn.example/x.mp4', null, '/')).toBe('x.mp4');
  });
});

describe('renditionPathForInput with a bad URL', () => {
  it('refuses bad percent-encoding with BAD_PATH naming the input', () => {
    expect(() => renditionPathForInput('http://127.0.0.1/a%zz.mp4', null, '/')).toThrow(
      expect.objectContaining({ code: 'BAD_PATH', message: expect.stringMatching(/a%zz\.mp4: bad percent-encoding/) }),
    );
  });
});
