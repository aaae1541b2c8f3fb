// Finds the source MP4 of a rendition: in the local library (inside the source root, after
// resolving symlinks), else in the source cache, else read from the configured upstream
// as `<upstream>/<rendition path>` (an http(s) base or an S3 prefix, net/upstream.ts) — the only
// URL it ever builds.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../shared/errors.js';
import { isInside } from '../../shared/paths.js';
import type { CacheLayout } from '../../cache/names.js';
import { downloadToFile, type DownloadOptions } from './source-download.js';
import { makeTempDir } from '../../cache/temp-run.js';
import { openRemoteSource } from './remote-source.js';
import { openUpstream, type Upstream } from '../../net/upstream.js';
import type { AwsOverrides } from '../../net/aws-config.js';
import { openLocalSource, type SourceReader } from './source-reader.js';
import { boundedCache } from '../../shared/bounded-cache.js';

interface SourceResolverOptions {
  readonly sourceRoot: string | null;
  readonly upstream: string | null;
  /** config `s3`, for an s3:// upstream or input @default none (the AWS variables and files only) */
  readonly s3?: AwsOverrides;
  readonly layout: CacheLayout;
  readonly download: { readonly timeoutMs: number; readonly maxBytes: number };
  /** Told once per source whose upstream ignores Range (that source is then downloaded whole). */
  readonly onRangeIgnored?: (url: string) => void;
  /** How long a source found to ignore Range is downloaded whole before Range is tried again. @default RANGE_PROBE_AGAIN_MS */
  readonly rangeProbeAgainMs?: number;
}

// Finds a rendition's source: `file` gives a local path (a remote one downloaded whole first),
// `open` a reader that fetches only what is asked (ranges of a remote one).
interface SourceResolver {
  file(renditionPath: string, signal?: AbortSignal): Promise<string>;
  open(renditionPath: string, signal?: AbortSignal): Promise<SourceReader>;
}

// The real path of `relative` below `root`, or null when it is missing or escapes the root.
export async function realPathInside(root: string, relative: string): Promise<string | null> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(path.join(root, ...relative.split('/')))]);
    return isInside(realRoot, real) ? real : null;
  } catch {
    return null;
  }
}

// Downloads a rendition's source into the source cache. The partial file lives in a run
// directory of .tmp/, which the temp sweep removes after a kill -9.
// `url` may be s3://bucket/key (`casterpak package s3://…`): then signed as the upstream would be.
export async function downloadSource(
  layout: CacheLayout,
  renditionPath: string,
  url: URL,
  options: Omit<DownloadOptions, 'partDir'> & { readonly upstream?: Upstream; readonly s3?: AwsOverrides },
): Promise<string> {
  const dest = layout.sourceFile(renditionPath);
  let upstream = options.upstream;
  if (url.protocol === 's3:') {
    upstream = await openUpstream(`s3://${url.host}`, options.s3 ?? NO_OVERRIDES);
    url = upstream.objectUrl(decodeURIComponent(url.pathname.replace(/^\/+/, '')));
  }
  const partDir = await makeTempDir(layout, renditionPath);
  try {
    await downloadToFile(url, dest, { ...options, partDir, sign: upstream?.sign, explain: upstream?.explain });
  } finally {
    await fs.rm(partDir, { recursive: true, force: true });
  }
  return dest;
}

// A ranged read (a moov, one segment's span) is something a player waits for: all its attempts
// together stay within download.timeoutMs, and within 30 s whatever that is.
const RANGE_BUDGET_MS = 30_000;
const RANGE_RETRIES = 2;
const NO_OVERRIDES: AwsOverrides = { region: null, endpoint: null };
// One path of a host may ignore Range (a different backend, a rewrite rule) while the others
// honour it, and a server may be fixed: the answer is remembered per source, for a while.
const RANGE_PROBE_AGAIN_MS = 10 * 60_000;

export function createSourceResolver(options: SourceResolverOptions): SourceResolver {
  // The library's file, else a downloaded copy (`copy`: its mtime records access).
  const local = async (renditionPath: string): Promise<{ file: string; copy: boolean } | null> => {
    if (options.sourceRoot !== null) {
      const file = await realPathInside(options.sourceRoot, renditionPath);
      if (file !== null) return { file, copy: false };
    }
    if (options.upstream === null) throw new CasterpakError('NOT_FOUND', `no source for ${renditionPath}`);
    const cached = options.layout.sourceFile(renditionPath);
    try {
      const now = new Date();
      await fs.utimes(cached, now, now); // a used source copy counts as accessed (prune --what sources)
      return { file: cached, copy: true };
    } catch {
      return null; // not downloaded
    }
  };
  let opened: Promise<Upstream> | null = null;
  const upstream = () => (opened ??= openUpstream(options.upstream!, options.s3 ?? NO_OVERRIDES));
  const file = async (renditionPath: string, signal?: AbortSignal) => {
    const found = await local(renditionPath);
    if (found !== null) return found.file;
    const remote = await upstream();
    return downloadSource(options.layout, renditionPath, remote.objectUrl(renditionPath), {
      ...options.download,
      signal,
      upstream: remote,
    });
  };
  // Source URL → until when it is downloaded whole without a probe; bounded like every memory of names.
  const ignoring = boundedCache<string, number>({ max: 10_000 });
  const probeAgainMs = options.rangeProbeAgainMs ?? RANGE_PROBE_AGAIN_MS;
  return {
    file,
    async open(renditionPath, signal) {
      const found = await local(renditionPath);
      if (found !== null) return openLocalSource(found.file, renditionPath, { mtimeIsAccess: found.copy });
      const remote = await upstream();
      const url = remote.objectUrl(renditionPath);
      if ((ignoring.get(url.href) ?? 0) <= Date.now()) {
        const timeoutMs = Math.min(options.download.timeoutMs, RANGE_BUDGET_MS) / (RANGE_RETRIES + 1);
        const reader = await openRemoteSource(url, {
          timeoutMs,
          retries: RANGE_RETRIES,
          allowedOrigins: [url.origin],
          signal,
          sign: remote.sign,
          explain: remote.explain,
        });
        if (reader !== null) return reader;
        ignoring.set(url.href, Date.now() + probeAgainMs);
        options.onRangeIgnored?.(url.href);
      }
      return openLocalSource(await file(renditionPath, signal), renditionPath, { mtimeIsAccess: true });
    },
  };
}
