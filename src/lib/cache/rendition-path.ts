// Rendition paths: the part of `/i/<rendition path>/index_0_av.m3u8` that names a source,
// e.g. `20220404/1251/x.mp4`. Also the relative path of its directory in the cache.
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { isUrl } from '../shared/paths.js';

export const MAX_PATH_LENGTH = 1024;
// Real file names: letters, marks and digits of any script, spaces and the punctuation such
// names carry (`Big Test (1080p).mp4`, `L'été [v2].mp4`). Never a separator (/ \), a control
// or format character, a percent sign (double encoding), a leading dot (no `..`, no dotfiles),
// comma (a .csmil list) or space, nor a trailing space. 255 bytes: a file name's limit on disk.
const SEGMENT = /^[\p{L}\p{M}\p{N}_~@=+'()[\]!&-](?:[\p{L}\p{M}\p{N} _.~@=+,'()[\]!&-]*[\p{L}\p{M}\p{N}_.~@=+,'()[\]!&-])?$/u;
const MAX_SEGMENT_BYTES = 255;

// Null when `candidate` is a safe relative path of plain segments (a rendition's, or a library
// directory's), else the reason. Names are compared in Unicode normal form C (NFC): the origin
// normalises a request to it (request-path.ts), so a name in another form could never be served.
export function relativePathError(candidate: string): string | null {
  if (candidate.length === 0) return 'empty path';
  if (candidate.length > MAX_PATH_LENGTH) return 'path too long';
  const bad = candidate.split('/').find((part) => !SEGMENT.test(part) || Buffer.byteLength(part) > MAX_SEGMENT_BYTES);
  if (bad !== undefined) return `bad path segment "${bad.slice(0, 64)}"`;
  return candidate.normalize('NFC') === candidate ? null : 'not in Unicode normal form C (NFC): rename it with its accents composed';
}

// Null when `candidate` is a safe relative path of plain segments naming a media file, else the reason.
export function renditionPathError(candidate: string, mediaExtensions: readonly string[]): string | null {
  const error = relativePathError(candidate);
  if (error) return error;
  const ext = path.posix.extname(candidate).toLowerCase();
  if (!mediaExtensions.includes(ext)) return `not a media file (allowed: ${mediaExtensions.join(', ')})`;
  return null;
}

export function assertRenditionPath(candidate: string, mediaExtensions: readonly string[]): string {
  const error = renditionPathError(candidate, mediaExtensions);
  if (error) throw new CasterpakError('BAD_PATH', `invalid rendition path "${candidate.slice(0, 200)}": ${error}`);
  return candidate;
}

// A file's path relative to the source root, '/'-separated, or null when it is not below it.
export function pathBelowRoot(file: string, sourceRoot: string): string | null {
  const relative = path.relative(sourceRoot, file);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return null;
  return relative.split(path.sep).join('/');
}

// The rendition path `package` uses for an input: for a URL, its path (without a leading
// slash); for a file, its path relative to the source root, the very path `serve` looks it up
// by. A file has none without a source root or outside it (USAGE): any other name would be a
// rendition serve never finds.
export function renditionPathForInput(input: string, sourceRoot: string | null, cwd: string): string {
  if (isUrl(input)) {
    const url = new URL(input);
    try {
      return decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      throw new CasterpakError('BAD_PATH', `invalid rendition path in ${input.slice(0, 200)}: bad percent-encoding`);
    }
  }
  if (sourceRoot === null) throw new CasterpakError('USAGE', `${input}: no source root to take its rendition path from`);
  const below = pathBelowRoot(path.resolve(cwd, input), sourceRoot);
  if (below === null) throw new CasterpakError('USAGE', `${input} is outside the source root ${sourceRoot}`);
  return below;
}

// The one builder of a rendition's URL: `/i/<rendition path>/` with each path segment
// percent-encoded, behind `baseUrl` (an origin with an optional prefix; '' for path-absolute).
export function renditionUrl(renditionPath: string, baseUrl = ''): string {
  return `${baseUrl.replace(/\/+$/, '')}/i/${renditionPath.split('/').map(encodeURIComponent).join('/')}/`;
}
