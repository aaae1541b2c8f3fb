import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside, isUrl } from '../../../src/lib/shared/paths.js';

describe('isUrl', () => {
  it.each(['http://a/x.mp4', 'https://a/x.mp4', 'HTTPS://A/x.mp4'])('%s is a URL', (input) => {
    expect(isUrl(input)).toBe(true);
  });

  it.each(['x.mp4', '/abs/x.mp4', 'ftp://a/x.mp4', 'file:///x.mp4', 'http:/a', 'dir/http://a', ''])('%s is a file', (input) => {
    expect(isUrl(input)).toBe(false);
  });
});

describe('isInside', () => {
  const root = path.resolve('/srv/cache');

  it('holds for the root itself and anything below it', () => {
    expect(isInside(root, root)).toBe(true);
    expect(isInside(root, path.join(root, 'a'))).toBe(true);
    expect(isInside(root, path.join(root, 'a', 'b.ts'))).toBe(true);
  });

  it('fails for a sibling that shares the prefix, the parent and anything elsewhere', () => {
    expect(isInside(root, `${root}-other`)).toBe(false);
    expect(isInside(root, `${root}x${path.sep}a`)).toBe(false);
    expect(isInside(root, path.dirname(root))).toBe(false);
    expect(isInside(root, path.resolve('/etc/passwd'))).toBe(false);
  });
});
