import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertRenditionPath, pathBelowRoot, renditionPathError, renditionPathForInput } from '../../../src/lib/cache/rendition-path.js';

const MP4 = ['.mp4'];

describe('renditionPathError', () => {
  it.each([
    'x.mp4',
    '20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4',
    'a/b.c/d.MP4',
    'show~1/ep=2+3/x,y.mp4',
    'a/x y.mp4',
    'Big Test (1080p).mp4',
    "Films/L'été [v2] & co!.mp4",
    'Фильмы/東京 2020.mp4',
  ])('accepts %s', (p) => {
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
    [' x.mp4', /bad path segment/],
    ['a /x.mp4', /bad path segment/],
    [',x.mp4', /bad path segment/],
    ['a/x\u0085y.mp4', /bad path segment/], // C1 control
    ['a/x\u202Egnp.mp4', /bad path segment/], // right-to-left override: a name that displays as another
    ['a/x\ty.mp4', /bad path segment/],
    ['a/x%20y.mp4', /bad path segment/],
    ['a/x<y>.mp4', /bad path segment/],
    [`${'é'.repeat(128)}.mp4`, /bad path segment/], // 260 bytes, 132 characters
    ['Le\u0301te\u0301.mp4', /not in Unicode normal form C/],
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

  it('refuses (USAGE) a file outside the source root, or any file without one: serve would never find it', () => {
    const usage = (message: string) => expect.objectContaining({ code: 'USAGE', message });
    expect(() => renditionPathForInput('/home/me/x.mp4', root, '/')).toThrow(usage(`/home/me/x.mp4 is outside the source root ${root}`));
    expect(() => renditionPathForInput('/srv/library-old/x.mp4', root, '/')).toThrow(
      usage(`/srv/library-old/x.mp4 is outside the source root ${root}`),
    ); // a sibling with the same prefix
    expect(() => renditionPathForInput('/srv/library', root, '/')).toThrow(usage(`/srv/library is outside the source root ${root}`));
    expect(() => renditionPathForInput('media/x.mp4', null, '/work')).toThrow(
      usage('media/x.mp4: no source root to take its rendition path from'),
    );
  });

  it('uses the decoded URL path for URLs', () => {
    expect(renditionPathForInput('https://cdn.example/i/2022/a%20b.mp4?token=1', root, '/')).toBe('i/2022/a b.mp4');
    expect(renditionPathForInput('HTTP://cdn.example/x.mp4', null, '/')).toBe('x.mp4');
  });
});

describe('pathBelowRoot', () => {
  it('is the /-separated path below the root, or null outside it', () => {
    expect(pathBelowRoot('/srv/library/a/b.mp4', '/srv/library')).toBe('a/b.mp4');
    expect(pathBelowRoot('/srv/library/..x.mp4', '/srv/library')).toBe('..x.mp4'); // a name that starts with two dots is still inside
    expect(pathBelowRoot('/srv/x.mp4', '/srv/library')).toBeNull();
    expect(pathBelowRoot('/srv/library', '/srv/library')).toBeNull();
  });
});

describe('renditionPathForInput with a bad URL', () => {
  it('refuses bad percent-encoding with BAD_PATH naming the input', () => {
    expect(() => renditionPathForInput('http://127.0.0.1/a%zz.mp4', null, '/')).toThrow(
      expect.objectContaining({ code: 'BAD_PATH', message: expect.stringMatching(/a%zz\.mp4: bad percent-encoding/) }),
    );
  });
});
