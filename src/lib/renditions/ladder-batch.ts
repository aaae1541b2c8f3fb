// `casterpak package --ladder` (docs/renditions.md, Batch): after a source's rendition, its
// ladder's profiles, segment by segment and several profiles at once: each source segment is
// decoded once and every profile still missing it is encoded in one ffmpeg run
// (transcoder.ts encodeSegment). Each profile's segment is then made by the RenditionStore
// exactly as serve makes it (the same extract, mp42hls run, checks, per-segment lock and
// atomic commit), its transform taking the batch's encode (segment-encodes.ts) instead of
// running ffmpeg.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CasterpakError, isCasterpakError, oneLine } from '../shared/errors.js';
import type { CasterpakConfig } from '../config/schema.js';
import type { LadderProfile } from '../config/ladder.js';
import { segmentName } from '../cache/names.js';
import { JobLimiter } from '../packaging/job-limiter.js';
import { loadIndex, type Derivations } from '../packaging/segment-maker.js';
import type { PackageItemResult, PackagedSource } from '../packaging/package-runner.js';
import type { Reporter } from '../shared/reporter.js';
import { createDerivations } from './derivations.js';
import { derivedPath, planProfiles, uprightSize, type PlannedProfile, type Size } from './ladder-plan.js';
import { SegmentEncodes } from './segment-encodes.js';
import type { Ffmpeg } from './ffmpeg.js';
import { isUrl } from '../shared/paths.js';

// x264 spreads one run over every core; a second run at once fills the gaps of the first
// (ffmpeg's start, the mp42hls runs). More only hold more frames in memory, until many cores.
export function transcodesAtOnce(concurrency: number, cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(concurrency, Math.max(2, Math.ceil(cores / 8))));
}

interface LadderBatchOptions {
  readonly ffmpeg: Ffmpeg;
  /** The profiles to make; null: every one below each source's height. */
  readonly names: readonly string[] | null;
  readonly force: boolean;
  readonly cwd: string;
  readonly reporter: Reporter;
  readonly signal?: AbortSignal;
}

const isFile = (file: string) =>
  fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

export function createLadderBatch(
  config: CasterpakConfig,
  options: LadderBatchOptions,
): { derivations: Derivations; derived: (source: PackagedSource) => Promise<PackageItemResult[]> } {
  const { ladder } = config.renditions;
  const limiter = new JobLimiter(transcodesAtOnce(config.package.concurrency), Number.MAX_SAFE_INTEGER);
  const encodes = new SegmentEncodes({ ffmpeg: options.ffmpeg, timeoutMs: config.renditions.timeoutMs });
  // A derived rendition path → the file of that name beside its input (null: a URL input); a
  // real file wins over a derived rendition, in serve as here. Any other rendition path is an
  // input's own: a source, whatever its name.
  const files = new Map<string, string | null>();
  const derivations = createDerivations({
    ladder,
    ffmpeg: { ok: true, ffmpeg: options.ffmpeg },
    upright: config.renditions.upright,
    limiter,
    timeoutMs: config.renditions.timeoutMs,
    sourceExists: async (renditionPath) => {
      const file = files.get(renditionPath);
      return file === undefined || (file !== null && (await isFile(file)));
    },
    shared: encodes,
  });
  const batch = { ...options, encodes, segmentWorkers: limiter.maxJobs };
  return {
    derivations,
    derived: async (source) => {
      const info = await source.store.info(source.renditionPath);
      const video = info?.media.tracks.find((t) => t.type === 'video');
      const plan = planProfiles(ladder, options.names, video ? uprightSize(video) : null);
      for (const { name } of plan) {
        files.set(
          derivedPath(source.renditionPath, name),
          isUrl(source.input) ? null : derivedPath(path.resolve(options.cwd, source.input), name),
        );
      }
      return makeLadder(source, plan, derivations, batch);
    },
  };
}

interface Todo {
  readonly name: string;
  readonly profile: LadderProfile;
  readonly oneThread?: boolean;
  readonly renditionPath: string;
  readonly label: string;
  readonly size: Size;
  readonly segments: number;
  done: number;
  error?: unknown;
}

type Batch = LadderBatchOptions & { readonly encodes: SegmentEncodes; readonly segmentWorkers: number };

async function makeLadder(
  source: PackagedSource,
  plan: readonly PlannedProfile[],
  derivations: Derivations,
  batch: Batch,
): Promise<PackageItemResult[]> {
  const { store } = source;
  const { reporter } = batch;
  const started = Date.now();
  const results = new Map<string, PackageItemResult>();
  const todo: Todo[] = [];
  const result = (
    p: PlannedProfile,
    renditionPath: string,
    { status, ...rest }: Pick<PackageItemResult, 'status'> & Partial<PackageItemResult>,
  ): PackageItemResult => ({
    input: source.input,
    renditionPath,
    status,
    profile: p.name,
    dir: null,
    segments: 0,
    bytes: 0,
    durationMs: Date.now() - started,
    ...rest,
  });
  const finished = async (p: PlannedProfile, renditionPath: string, label: string, status: 'made' | 'reused') => {
    const made = await measure(store, renditionPath);
    reporter.finish(label, status, `${made.segments} segments → ${made.dir}`);
    return result(p, renditionPath, { status, ...made });
  };
  for (const p of plan) {
    const renditionPath = derivedPath(source.renditionPath, p.name);
    const label = `${source.input} (${p.name})`;
    reporter.start(label);
    try {
      if (p.skip) throw new Skip(p.skip);
      if (!(await derivations.derive(renditionPath, batch.signal)))
        throw new Skip(
          `a file ${path.basename(renditionPath)} exists beside the source: serve packages that file, not a derived rendition`,
        );
      if (!batch.force && (await store.isComplete(renditionPath))) {
        results.set(p.name, await finished(p, renditionPath, label, 'reused'));
        continue;
      }
      reporter.progress(label, 'playlist', 0);
      const info = await store.derivedPlaylist(renditionPath, batch.force);
      const video = info?.media.tracks.find((t) => t.type === 'video');
      if (!info || !video?.width || !video.height)
        throw new CasterpakError('BAD_MEDIA', `${renditionPath}: no derived video in its playlist's info`);
      todo.push({
        name: p.name,
        // Lowered below the source (rate-cap.ts): encoded at its own rates in the shared run, as serve encodes it.
        profile: info.derived?.rates ? { ...p.profile, ...info.derived.rates } : p.profile,
        ...(info.derived?.rates ? { oneThread: true } : {}),
        renditionPath,
        label,
        size: { width: video.width, height: video.height },
        segments: info.segments,
        done: 0,
      });
    } catch (error) {
      const skipped = error instanceof Skip;
      reporter.finish(label, skipped ? 'skipped' : 'failed', oneLine(error));
      results.set(p.name, result(p, renditionPath, skipped ? { status: 'skipped', reason: error.message } : failure(error)));
    }
  }
  await makeSegments(source, todo, batch);
  for (const t of todo) {
    const p = plan.find((q) => q.name === t.name)!;
    if (t.error === undefined) results.set(t.name, await finished(p, t.renditionPath, t.label, 'made'));
    else {
      reporter.finish(t.label, 'failed', oneLine(t.error));
      results.set(t.name, result(p, t.renditionPath, failure(t.error)));
    }
  }
  return plan.map((p) => results.get(p.name)!);
}

class Skip extends Error {}

const failure = (error: unknown): Pick<PackageItemResult, 'status' | 'error'> => ({
  status: 'failed',
  error: { code: isCasterpakError(error) ? error.code : 'INTERNAL', message: oneLine(error) },
});

// Segment n of every profile that still lacks it, n after n (`segmentWorkers` at once): one
// planned ffmpeg run, then each profile's segment through the store.
async function makeSegments(source: PackagedSource, todo: Todo[], batch: Batch): Promise<void> {
  if (todo.length === 0) return;
  const { store } = source;
  const index = await loadIndex(store.layout.renditionDir(todo[0].renditionPath)).catch((error) => {
    for (const t of todo) t.error = error;
    return null;
  });
  const total = Math.max(...todo.map((t) => t.segments));
  let next = 1;
  const worker = async () => {
    for (let n = next++; index && n <= total && !batch.signal?.aborted; n = next++) {
      const missing: Todo[] = [];
      for (const t of todo) {
        if (
          t.error === undefined &&
          n <= t.segments &&
          !(await isFile(path.join(store.layout.renditionDir(t.renditionPath), segmentName(n))))
        )
          missing.push(t);
      }
      const forget =
        missing.length > 1 ? batch.encodes.plan(source.renditionPath, index.header.segments.at(n - 1)!.span[0], missing) : () => {};
      try {
        for (const t of missing) await store.ensure(t.renditionPath, n).catch((error) => (t.error ??= error));
      } finally {
        forget();
      }
      for (const t of todo) {
        t.done++;
        batch.reporter.progress(t.label, 'transcode', t.done / t.segments);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(batch.segmentWorkers, total) }, worker));
  if (batch.signal?.aborted) for (const t of todo) t.error ??= new CasterpakError('CANCELLED', 'interrupted');
}

// A derived rendition's segments and their bytes on disk (its info holds a prediction).
async function measure(
  store: PackagedSource['store'],
  renditionPath: string,
): Promise<Pick<PackageItemResult, 'dir' | 'segments' | 'bytes'>> {
  const dir = store.layout.renditionDir(renditionPath);
  const segments = (await store.info(renditionPath))?.segments ?? 0;
  const sizes = await Promise.all(
    Array.from({ length: segments }, (_, i) =>
      fs.stat(path.join(dir, segmentName(i + 1))).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return { dir, segments, bytes: sizes.reduce((a, b) => a + b, 0) };
}
