// What serve's master route (`serve.masterPrefix`, default /p/) calls: the request's path and
// query forwarded to the one configured upstream (never another host), the master rewritten
// for casterpak, kept in memory for a short time; concurrent requests share one upstream fetch.
import { CasterpakError, oneLine } from '../shared/errors.js';
import { boundedCache } from '../shared/bounded-cache.js';
import { SingleFlight } from '../shared/single-flight.js';
import type { Ladder } from '../config/ladder.js';
import type { Size } from '../renditions/ladder-plan.js';
import { rewriteMaster } from './master-rewrite.js';
import { fetchMaster, MASTER_MAX_BYTES } from './master-fetch.js';
import { resolveTrickPlay, type IFrameInfoResolver } from './iframe-info.js';
import { chooseLadderSource, type DerivedVariant, type LadderSourceInfo } from './master-ladder.js';

// What the origin knows of a casterpak rendition for the ladder (master-routes.ts): its picture
// (null: it cannot be a source, e.g. it is derived itself) and, for the one chosen as the
// source, the derived variants it would list in its own master.
export interface LadderResolver {
  size(variantPath: string): Promise<Size | null>;
  variants(variantPath: string): Promise<readonly DerivedVariant[]>;
}

export interface ProxyLadder {
  readonly profiles: Ladder;
  readonly segmentDuration: number;
  readonly mediaExtensions: readonly string[];
  readonly resolver: LadderResolver;
}

export interface MasterProxyOptions {
  /** the master upstream, e.g. https://cdnapisec.kaltura.com (config `serve.masterUpstream`) */
  readonly upstream: string;
  /** casterpak's public base URL (config `publicBaseUrl`); '' (none configured): path-absolute
   *  URIs, which players resolve against the casterpak that served the master */
  readonly baseUrl: string;
  /** how long a rewritten master is kept (config `serve.masterCacheTtlMs`) */
  readonly ttlMs: number;
  readonly timeoutMs: number;
  /** @default MASTER_MAX_BYTES (1 MiB) */ readonly maxBytes?: number;
  readonly pathPatterns: readonly RegExp[];
  readonly hosts: readonly string[];
  /** adds I-frame variants; renditions it cannot resolve get estimated bit rates */
  readonly trickPlay?: IFrameInfoResolver;
  /** adds the ladder's derived renditions below the master's tallest casterpak rendition (config `serve.masterLadder`) */
  readonly ladder?: ProxyLadder;
  /** one line per master whose I-frame bit rates were partly estimated, or whose ladder was left out */
  readonly onWarning?: (line: string) => void;
  /** a failure is answered from memory for this long, sparing a failing upstream @default 1000 */
  readonly errorTtlMs?: number;
  /** masters kept at most (every query string is its own entry) @default 1000 */
  readonly maxEntries?: number;
  /** @default Date.now */ readonly now?: () => number;
}

interface ProxiedMaster {
  readonly text: string;
  /** answered without an upstream fetch of its own (from memory, or joined a running fetch) */
  readonly cached: boolean;
}

interface MasterProxy {
  get(pathAndQuery: string): Promise<ProxiedMaster>;
}

// A settled fetch, kept until `expires`: its master, or its failure.
type Answer =
  | { readonly ok: true; readonly text: string; readonly expires: number }
  | { readonly ok: false; readonly error: unknown; readonly expires: number };

// Path and query as the client sent them: one leading slash, no authority, no dot segments.
export function upstreamUrlFor(upstream: string, pathAndQuery: string): URL {
  const bad = (why: string): never => {
    throw new CasterpakError('BAD_PATH', `master request ${JSON.stringify(pathAndQuery.slice(0, 200))}: ${why}`);
  };
  if (pathAndQuery.length > 8192) bad('too long');
  if (!pathAndQuery.startsWith('/') || pathAndQuery.startsWith('//')) bad('must start with a single /');
  if (/[\s\\#\0-\x1f\x7f]/.test(pathAndQuery)) bad('has whitespace, a backslash, a fragment or a control character');
  const path = pathAndQuery.split('?')[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return bad('bad percent-encoding');
  }
  if (/[\\\0-\x1f\x7f]/.test(decoded) || decoded.split('/').some((segment) => segment === '..' || segment === '.')) {
    bad('dot segment, encoded backslash or control character');
  }
  const base = new URL(upstream);
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.origin + prefix + pathAndQuery);
  if (url.origin !== base.origin || !url.pathname.startsWith(`${prefix}/`)) bad('leaves the upstream');
  return url;
}

export function createMasterProxy(options: MasterProxyOptions): MasterProxy {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 1000;
  const errorTtlMs = options.errorTtlMs ?? 1000;
  const answers = boundedCache<string, Answer>({ max: maxEntries });
  const fetches = new SingleFlight<string>();

  async function load(url: URL): Promise<string> {
    const fetched = await fetchMaster(url, {
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes ?? MASTER_MAX_BYTES,
      allowedOrigins: [new URL(options.upstream).origin],
    });
    const rules = {
      masterUrl: fetched.finalUrl,
      baseUrl: options.baseUrl,
      pathPatterns: options.pathPatterns,
      hosts: options.hosts,
      source: url.href,
    };
    const plain = rewriteMaster(fetched.text, rules);
    if (options.trickPlay === undefined && options.ladder === undefined) return plain.text;
    const warn = (line: string) => options.onWarning?.(`${url.pathname}: ${line}`);
    const [trickPlay, ladder] = await Promise.all([
      options.trickPlay && resolveTrickPlay(plain.renditions, options.trickPlay, warn),
      options.ladder && resolveLadder(plain.renditions, options.ladder, warn),
    ]);
    return rewriteMaster(fetched.text, { ...rules, trickPlay, ladder }).text;
  }

  // The renditions' pictures, then the derived variants of the tallest one only: each
  // rendition the origin reads costs a moov read, and the others' ladders would not be used.
  async function resolveLadder(renditions: readonly string[], ladder: ProxyLadder, warn: (line: string) => void) {
    const plan = { profiles: ladder.profiles, segmentDuration: ladder.segmentDuration, mediaExtensions: ladder.mediaExtensions };
    const sizes = await Promise.allSettled(renditions.map((path) => ladder.resolver.size(path)));
    const known = new Map<string, LadderSourceInfo>();
    sizes.forEach((result, i) => {
      if (result.status === 'fulfilled' && result.value !== null) known.set(renditions[i], { size: result.value });
    });
    const failed = sizes.flatMap((result, i) => (result.status === 'rejected' ? [`${renditions[i]}: ${oneLine(result.reason)}`] : []));
    if (failed.length > 0) warn(`warning: ${failed.length} of ${renditions.length} renditions left out as ladder sources (${failed[0]})`);
    const source = chooseLadderSource([...known.keys()], (path) => known.get(path)?.size ?? null, plan);
    if (source !== null) {
      // On failure none: never guessed, a player would be sent to renditions that may not exist.
      const variants = await ladder.resolver.variants(source).catch((error) => {
        warn(`warning: no ladder from ${source}: ${oneLine(error)}`);
        return [];
      });
      known.set(source, { size: known.get(source)!.size, variants });
    }
    return { ...plan, known };
  }

  const remembered = (key: string, url: URL) =>
    load(url).then(
      (text) => (answers.set(key, { ok: true, text, expires: now() + options.ttlMs }), text),
      (error: unknown) => {
        answers.set(key, { ok: false, error, expires: now() + errorTtlMs });
        throw error;
      },
    );

  return {
    async get(pathAndQuery) {
      const url = upstreamUrlFor(options.upstream, pathAndQuery);
      const key = url.href;
      const known = answers.get(key);
      if (known !== undefined && known.expires > now()) {
        if (known.ok) return { text: known.text, cached: true };
        throw known.error;
      }
      // A running fetch is joined: the answers only hold settled ones, so it is never evicted.
      const joined = fetches.current(key) !== undefined;
      return { text: await fetches.run(key, () => remembered(key, url)), cached: joined };
    },
  };
}
