// Conditional requests (RFC 9110 §13), evaluated in §13.2.2's order: 412 when a precondition
// fails (If-Match, else If-Unmodified-Since), 304 when the client's copy is current, and
// If-Range to decide whether a range still applies.

export interface Validators {
  readonly etag: string;
  readonly lastModified: Date;
  /** lastModified as the Last-Modified header writes it (RFC 9110 §5.6.7), made once. */
  readonly lastModifiedText: string;
}

// Validators of a body: the date is cut to whole seconds, as HTTP dates are.
export function validators(etag: string, lastModified: Date): Validators {
  const date = new Date(Math.floor(lastModified.getTime() / 1000) * 1000);
  return { etag, lastModified: date, lastModifiedText: date.toUTCString() };
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const weak = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => weak(tag) === weak(etag));
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

// True when the request must be answered 412 Precondition Failed (RFC 9110 §13.1.1, §13.1.4):
// If-Match compares strongly and wins over If-Unmodified-Since; an unparsable date is ignored.
export function isPreconditionFailure(headers: { 'if-match'?: string; 'if-unmodified-since'?: string }, validators: Validators): boolean {
  const match = headers['if-match'];
  if (match !== undefined) {
    if (match.trim() === '*') return false;
    return !match.split(',').some((tag) => !tag.trim().startsWith('W/') && tag.trim() === validators.etag);
  }
  const since = headers['if-unmodified-since'];
  if (since === undefined) return false;
  const time = Date.parse(since);
  return Number.isFinite(time) && seconds(validators.lastModified) > Math.floor(time / 1000);
}

// True when a GET/HEAD can be answered 304 Not Modified. If-None-Match wins over If-Modified-Since.
export function isNotModified(headers: { 'if-none-match'?: string; 'if-modified-since'?: string }, validators: Validators): boolean {
  const noneMatch = headers['if-none-match'];
  if (noneMatch !== undefined) return etagMatches(noneMatch, validators.etag);
  const since = headers['if-modified-since'];
  if (since === undefined) return false;
  const time = Date.parse(since);
  return Number.isFinite(time) && Math.floor(validators.lastModified.getTime() / 1000) <= Math.floor(time / 1000);
}

// If-Range: the range applies only when the validator still matches (strong ETag or date).
export function rangeStillValid(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !value.startsWith('W/') && value === validators.etag;
  const time = Date.parse(value);
  return Number.isFinite(time) && Math.floor(validators.lastModified.getTime() / 1000) === Math.floor(time / 1000);
}

// The validators of a cached file. Its mtime records last access (prune reads it), so they come
// from what changes when a file is replaced instead: casterpak never rewrites a file in place,
// it renames a new one in, so inode, size and birth time identify the content.
export function fileValidators(stat: { size: number; ino: number; birthtimeMs: number; ctimeMs: number }): Validators {
  const born = Math.floor(stat.birthtimeMs > 0 ? stat.birthtimeMs : 0);
  // Without a birth time (some file systems), ctime is the closest: it only moves forward.
  return validators(`"${stat.size.toString(16)}-${stat.ino.toString(16)}-${born.toString(16)}"`, new Date(born || stat.ctimeMs));
}
