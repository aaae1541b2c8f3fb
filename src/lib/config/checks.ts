// The value checks of the configuration schema: each takes a value as it came from a file
// (typed JSON) or from the environment or a flag (a string), and returns it converted or throws
// InvalidValue with why it is wrong. Who names the value (key, flag or variable) is decided by
// the layer it came from (schema.ts, origin.ts).
import { parseDuration, parseDurationWithUnit, parseSize } from './units.js';

export class InvalidValue extends Error {}

export type Check = (value: unknown) => unknown;

export const invalid = (why: string): never => {
  throw new InvalidValue(why);
};

export const str: Check = (v) => (typeof v === 'string' && v.length > 0 ? v : invalid('must be a non-empty string'));
export const nullableStr: Check = (v) => (v === null ? null : str(v));
export const httpUrl: Check = (v) => {
  if (v === null) return null;
  const s = str(v) as string;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return invalid(`must be an http(s) URL, got "${s}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid(`must be an http(s) URL, got "${s}"`);
  return s.replace(/\/+$/, '');
};
// The library upstream: an http(s) base URL or an S3 bucket with an optional prefix (net/upstream.ts).
export const upstreamUrl: Check = (v) =>
  typeof v === 'string' && /^s3:\/\//i.test(v)
    ? /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/i.test(v)
      ? v.replace(/\/+$/, '')
      : invalid(`must be s3://bucket/prefix, got "${v}"`)
    : httpUrl(v);
export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) => {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
      ? n
      : invalid(`must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
// Duration keys hold milliseconds: a bare number means ms whether it came from JSON or as a
// string from the environment (CASTERPAK_BENTO4_TIMEOUT=1500 is 1.5 s); units say otherwise.
export const duration: Check = (v) => {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v);
  if (typeof v === 'string') {
    const ms = parseDuration(v);
    if (ms !== null) return ms;
  }
  return invalid(`must be a duration such as 90s, 30m, 2h, 7d (or milliseconds), got ${JSON.stringify(v)}`);
};
// A duration that must say its unit, from a file as from a flag: "2h", never 2. Kept as written
// (trimmed), so a validated configuration validates again; durationMs reads it.
export const durationWithUnit: Check = (v) =>
  typeof v === 'string' && parseDurationWithUnit(v) !== null
    ? v.trim()
    : invalid(`must be a duration with its unit, such as 30m, 2h or 7d, got ${JSON.stringify(v)}`);
// A key that is no longer read: refused, saying what to write instead, rather than ignored.
export const replacedBy =
  (key: string, example: string): Check =>
  () =>
    invalid(`is no longer read: write ${key} with its unit instead, e.g. ${JSON.stringify(example)}`);
export const nullableDuration: Check = (v) => (v === null ? null : duration(v));
export const size: Check = (v) => {
  if (v === null) return null;
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') {
    const bytes = parseSize(v);
    if (bytes !== null) return bytes;
  }
  return invalid(`must be a size such as 500M, 50G (or bytes), got ${JSON.stringify(v)}`);
};
const TRUE = ['true', '1', 'on', 'yes'];
const FALSE = ['false', '0', 'off', 'no'];
export const bool: Check = (v) => {
  if (typeof v === 'boolean') return v;
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  return TRUE.includes(s) ? true : FALSE.includes(s) ? false : invalid(`must be on or off (true or false), got ${JSON.stringify(v)}`);
};
export const strList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : invalid('must be a list of strings'));
export const regexList: Check = (v) => {
  const list = strList(v) as string[];
  for (const pattern of list) {
    try {
      new RegExp(pattern);
    } catch {
      invalid(`has an invalid pattern "${pattern}"`);
    }
  }
  return list;
};
export const extensions: Check = (v) => {
  const list = strList(v) as string[];
  return list.length > 0 && list.every((e) => /^\.[a-z0-9]{1,8}$/i.test(e))
    ? list.map((e) => e.toLowerCase())
    : invalid('must be a non-empty list like [".mp4"]');
};
export const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? v : invalid(`must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
export const urlPrefix: Check = (v) => {
  const s = str(v) as string;
  return /^\/[A-Za-z0-9_-]+\/$/.test(s) ? s : invalid('must look like "/p/"');
};
