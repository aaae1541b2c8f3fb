// `casterpak package`: each input (file or URL) becomes a rendition in the cache, through the
// same RenditionStore that `serve` uses, with bounded concurrency and a result per input, and
// with `derived` (package --ladder: renditions/ladder-batch.ts) a result per derived rendition.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { CasterpakError, oneLine, isCasterpakError } from '../shared/errors.js';
import { leftoverMaxAgeMs, type CasterpakConfig } from '../config/schema.js';
import { cacheLayout } from '../cache/names.js';
import { assertRenditionPath, renditionPathForInput } from '../cache/rendition-path.js';
import { locateBento4 } from './bento4.js';
import { downloadSource } from './source/source-resolver.js';
import { RenditionStore, type PackagingEvent } from './rendition-store.js';
import { AudioRenditions } from './store/audio-requests.js';
import { Fmp4Renditions } from './fmp4/fmp4-renditions.js';
import { sweepTemp } from '../cache/temp-sweep.js';
import type { Reporter } from '../shared/reporter.js';
import { SingleFlight } from '../shared/single-flight.js';
import type { Derivations } from './segment-maker.js';
import { isUrl } from '../shared/paths.js';

export interface PackageItemResult {
  readonly input: string;
  readonly renditionPath: string | null;
  readonly status: 'made' | 'reused' | 'skipped' | 'failed';
  /** The ladder profile of a derived rendition (package --ladder). */
  readonly profile?: string;
  /** Why a derived rendition was not made (a profile above the source, a real file of its name). */
  readonly reason?: string;
  readonly dir: string | null;
  readonly segments: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface PackageSummary {
  readonly made: number;
  readonly reused: number;
  readonly skipped: number;
  readonly failed: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly results: readonly PackageItemResult[];
}

export interface PackageRunOptions {
  readonly inputs: readonly string[];
  readonly force: boolean;
  readonly cwd: string;
  readonly reporter: Reporter;
  readonly signal?: AbortSignal;
  /** The rendition path the operator named for the one input (`package --as`), instead of the one from the source root. */
  readonly as?: string;
  /** package --format: MPEG-TS (the default), the fMP4 form (docs/formats.md), or both. */
  readonly format?: PackageFormat;
  /** Derived renditions the store may make (package --ladder). */
  readonly derivations?: Derivations;
  /** Each packaging run, as serve's store reports it (the GOP warning: store/gop-warning.ts). */
  readonly onPackaging?: (event: PackagingEvent) => void;
  /** What more to make from each input's rendition once it is made (package --ladder), with a result each. */
  readonly derived?: (source: PackagedSource) => Promise<PackageItemResult[]>;
}

export type PackageFormat = 'ts' | 'fmp4' | 'both';

export interface PackagedSource {
  readonly input: string;
  readonly renditionPath: string;
  readonly store: RenditionStore;
}

export async function runPackageJob(config: CasterpakConfig, options: PackageRunOptions): Promise<PackageSummary> {
  const started = Date.now();
  const bento4 = locateBento4(config.bento4.binDir, config.bento4.timeoutMs);
  const layout = cacheLayout(config.cacheDir);
  await fs.mkdir(layout.root, { recursive: true });
  await sweepTemp(layout, leftoverMaxAgeMs(config));
  const sources = new Map<string, string>();
  const downloaded = new Set<string>(); // rendition paths whose source this run downloaded
  const fetched = new Map<string, string>(); // rendition path → its downloaded source
  const downloads = new SingleFlight<string>();
  const { reporter } = options;
  const store = new RenditionStore({
    derivations: options.derivations,
    onPackaging: options.onPackaging,
    bento4,
    layout,
    segmentDuration: config.segmentDuration,
    publicBaseUrl: config.publicBaseUrl,
    failureTtlMs: 0,
    signal: options.signal,
    // A URL input is downloaded once, however often its file is asked for.
    resolveSource: (renditionPath, signal) => {
      const input = sources.get(renditionPath)!;
      if (!isUrl(input)) return Promise.resolve(path.resolve(options.cwd, input));
      const file = fetched.get(renditionPath);
      if (file !== undefined) return Promise.resolve(file);
      return downloads.run(renditionPath, async () => {
        reporter.progress(input, 'download', 0);
        const dest = await downloadSource(layout, renditionPath, new URL(input), {
          timeoutMs: config.download.timeoutMs,
          maxBytes: config.download.maxBytes,
          s3: config.s3,
          signal,
          onProgress: (received, total) => total && reporter.progress(input, 'download', (received / total) * 0.5),
        });
        downloaded.add(renditionPath);
        fetched.set(renditionPath, dest);
        reporter.progress(input, 'mp42hls', 0.5);
        return dest;
      });
    },
  });

  const audio = new AudioRenditions(store);
  const fmp4 = new Fmp4Renditions(store);
  const packageOne = async (input: string): Promise<PackageItemResult> => {
    const itemStarted = Date.now();
    let renditionPath: string | null = null;
    reporter.start(input);
    try {
      renditionPath = assertRenditionPath(
        options.as ?? renditionPathForInput(input, config.sourceRoot, options.cwd),
        config.mediaExtensions,
      );
      const owner = sources.get(renditionPath);
      if (owner !== undefined && owner !== input) {
        throw new CasterpakError('USAGE', `same rendition path "${renditionPath}" as ${owner}`);
      }
      sources.set(renditionPath, input);
      reporter.progress(input, 'mp42hls', 0.1);
      const format = options.format ?? 'ts';
      // The fMP4 form alone needs the MPEG-TS playlist (its EXTINFs), not its segments.
      const made =
        format === 'fmp4' && !options.force
          ? (await store.ensure(renditionPath)).status !== 'HIT'
          : !['reused', 'existing'].includes(await store.make(renditionPath, options.force));
      const audioBytes = format === 'fmp4' ? 0 : await audio.ensureAll(renditionPath); // every language warm too (docs/tracks.md)
      const fmp4Made = format === 'ts' ? { bytes: 0, made: false } : await fmp4.ensureAll(renditionPath);
      const info = await store.info(renditionPath);
      const status = made || fmp4Made.made ? 'made' : 'reused';
      const result: PackageItemResult = {
        input,
        renditionPath,
        status,
        dir: layout.renditionDir(renditionPath),
        segments: info?.segments ?? 0,
        bytes: (format === 'fmp4' ? 0 : (info?.bytes ?? 0)) + audioBytes + fmp4Made.bytes,
        durationMs: Date.now() - itemStarted,
      };
      reporter.finish(input, status, `${result.segments} segments → ${result.dir}`);
      return result;
    } catch (error) {
      // A source downloaded for a rendition that could not be made is not kept either.
      if (renditionPath !== null && downloaded.delete(renditionPath)) await fs.rm(layout.sourceFile(renditionPath), { force: true });
      // Errors name the rendition path ("x.mp4: empty file"); the result already names the input.
      const full = oneLine(error);
      const message = renditionPath !== null && full.startsWith(`${renditionPath}: `) ? full.slice(renditionPath.length + 2) : full;
      reporter.finish(input, 'failed', message);
      return {
        input,
        renditionPath,
        status: 'failed',
        dir: null,
        segments: 0,
        bytes: 0,
        durationMs: Date.now() - itemStarted,
        error: { code: isCasterpakError(error) ? error.code : 'INTERNAL', message },
      };
    }
  };

  // An input's result, then those of the renditions derived from it.
  const packageWithDerived = async (input: string): Promise<PackageItemResult[]> => {
    const result = await packageOne(input);
    if (result.status === 'failed' || !options.derived) return [result];
    return [result, ...(await options.derived({ input, renditionPath: result.renditionPath!, store }))];
  };

  const perInput: PackageItemResult[][] = new Array(options.inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < options.inputs.length) {
      const index = next++;
      perInput[index] = await packageWithDerived(options.inputs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.package.concurrency, options.inputs.length) }, worker));
  reporter.close();
  const results = perInput.flat();
  const count = (status: PackageItemResult['status']) => results.filter((r) => r.status === status).length;
  return {
    made: count('made'),
    reused: count('reused'),
    skipped: count('skipped'),
    failed: count('failed'),
    bytes: results.reduce((sum, r) => sum + r.bytes, 0),
    durationMs: Date.now() - started,
    results,
  };
}
