// Rendition paths: the part of `/i/<rendition path>/index_0_av.m3u8` that names a source,
// e.g. `20220404/1251/x.mp4`. Also the relative path of its directory in the cache.
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';

export const MAX_PATH_LENGTH = 1024;
// Letters, digits and a few marks; no segment may start with a dot (no `..`, no dotfiles).
const SEGMENT = /^[A-Za-z0-9_~@=+-][A-Za-z0-9_.~@=+,-]{0,254}$/;

// Null when `candidate` is a safe relative path of plain segments, else the reason.
export function renditionPathError(candidate: string, mediaExtensions: readonly string[]): string | null {
  if (candidate.length === 0) return 'empty path';
  if (candidate.length > MAX_PATH_LENGTH) return 'path too long';
  const parts = candidate.split('/');
  const bad = parts.find((part) => !SEGMENT.test(part));
  if (bad !== undefined) return `bad path segment "${bad.slice(0, 64)}"`;
  const ext = path.posix.extname(candidate).toLowerCase();
  if (!mediaExtensions.includes(ext)) return `not a media file (allowed: ${mediaExtensions.join(', ')})`;
  return null;
}

export function assertRenditionPath(candidate: string, mediaExtensions: readonly string[]): string {
  const error = renditionPathError(candidate, mediaExtensions);
  if (error) throw new CasterpakError('BAD_PATH', `invalid rendition path "${candidate.slice(0, 200)}": ${error}`);
  return candidate;
}

// The rendition path `package` uses for an input: relative to the source root when inside it,
// else the file name; for a URL, its path (without a leading slash).
export function renditionPathForInput(input: string, sourceRoot: string | null, cwd: string): string {
  if (/^https?:\/\//i.test(input)) {
    const url = new URL(input);
    try {
      return decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      throw new CasterpakError('BAD_PATH', `invalid rendition path in ${input.slice(0, 200)}: bad percent-encoding`);
    }
  }
  const absolute = path.resolve(cwd, input);
  if (sourceRoot !== null) {
    const relative = path.relative(sourceRoot, absolute);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) return relative.split(path.sep).join('/');
  }
  return path.basename(absolute);
}

// The one builder of a rendition's URL: `/i/<rendition path>/` with each path segment
// percent-encoded, behind `baseUrl` (an origin with an optional prefix; '' for path-absolute).
export function renditionUrl(renditionPath: string, baseUrl = ''): string {
  return `${baseUrl.replace(/\/+$/, '')}/i/${renditionPath.split('/').map(encodeURIComponent).join('/')}/`;
}
