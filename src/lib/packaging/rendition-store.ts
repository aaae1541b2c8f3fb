// Makes sure a rendition's media playlist, or one of its segments, is on disk, each made at
// most once at a time (store/single-run.ts). Which way is one decision (store/plan-request.ts):
// a playlist from the moov alone (moov-rendition.ts), a segment alone or derived
// (store/segment-requests.ts), or a whole-file mp42hls run (packager.ts). The source is found
// before any lock or job slot is taken, so a missing one is a 404, never a 503 of a full queue,
// and leaves no failure marker. What is known of each rendition is one entry (store/rendition-entries.ts).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { renditionKey, INDEX_PLAYLIST, RENDITION_INFO, SEGMENT_INDEX, segmentName, type CacheLayout } from '../cache/names.js';
import { isWellFormed, readRenditionInfo, transcodedFrom, type RenditionInfo } from '../cache/rendition-info.js';
import type { CommitOutcome } from '../cache/commit.js';
import { moveToTrash } from '../cache/remove-tree.js';
import { ConfinedDirs } from '../cache/confined-dirs.js';
import { leftoverMaxAgeMs } from '../config/schema.js';
import { segmentBaseUrl } from './media-playlist.js';
import { SingleRun, type CacheStatus } from './store/single-run.js';
import { exists } from '../shared/exists.js';
import { boundedCache } from '../shared/bounded-cache.js';
import { planAll } from './store/plan-request.js';
import { RenditionEntries, type RenditionEntry } from './store/rendition-entries.js';
import { FirstSegments, type EarlyWork } from './store/first-segments.js';
import { SegmentRequests } from './store/segment-requests.js';
import { PlaylistRequests } from './store/playlist-requests.js';
import { MoovReadings } from './store/moov-readings.js';
import { openLocalSource, type SourceReader } from './source/source-reader.js';
import { runStoreJob, type RenditionStoreOptions, type StoreContext, type StoreJob } from './store/store-context.js';
import type { ToolTiming } from '../shared/run-tool.js';

export type { CacheStatus } from './store/single-run.js';
export type { FirstSegment, MadeSegment } from './store/first-segments.js';
export type { PackagingEvent, RenditionStoreOptions } from './store/store-context.js';

interface EnsureResult {
  readonly status: CacheStatus;
  readonly dir: string;
}

export class RenditionStore implements StoreContext {
  readonly runs: SingleRun;
  readonly entries = new RenditionEntries();
  /** First segments of renditions being made, answered from memory (store/first-segments.ts). */
  readonly firstSegments = new FirstSegments();
  private readonly dirs: ConfinedDirs;
  private readonly playlists: PlaylistRequests;
  private readonly segments: SegmentRequests;
  /** Moov readings kept for the files made from them after the rendition (store/moov-readings.ts). */
  readonly moovReadings: MoovReadings;
  // Segments read-ahead found or made, so a warm path's read-ahead costs no file lookup.
  private readonly aheadDone = boundedCache<string, true>({ max: 100_000 });
  // Media playlists being made, for options.onPlaylistRuns.
  private playlistRuns = 0;
  private readonly countPlaylistRuns = (change: 1 | -1): void => {
    this.playlistRuns += change;
    this.options.onPlaylistRuns?.(this.playlistRuns);
  };

  constructor(readonly options: RenditionStoreOptions) {
    this.dirs = new ConfinedDirs(options.layout, this.entries.dirs);
    // A holder past twice the Bento4 limit (and a minute) is dead or stuck.
    this.runs = new SingleRun({
      layout: options.layout,
      failureTtlMs: options.failureTtlMs,
      maxWaitMs: leftoverMaxAgeMs(options) + 60_000,
      signal: options.signal,
      pollMs: options.pollMs,
    });
    this.playlists = new PlaylistRequests(this);
    this.segments = new SegmentRequests(this);
    this.moovReadings = new MoovReadings(this);
  }

  get layout(): CacheLayout {
    return this.options.layout;
  }

  // The media playlist, or with `segmentNumber` (1-based) that segment too (it may never have
  // been made, or pruned). `early`: what this call hands over before the commit when it makes
  // the rendition from the moov or the segment alone (store/first-segments.ts).
  async ensure(renditionPath: string, segmentNumber?: number, timing?: ToolTiming, early?: EarlyWork): Promise<EnsureResult> {
    const dir = await this.insideDir(renditionPath);
    const playlist = path.join(dir, INDEX_PLAYLIST);
    const wanted = segmentNumber === undefined ? playlist : path.join(dir, segmentName(segmentNumber));
    if (await exists(wanted)) return { status: 'HIT', dir };
    let status: CacheStatus = 'HIT';
    if (!(await exists(playlist))) status = await this.playlists.make(renditionPath, playlist, false, early);
    // Looked for again only after the playlist was made (it may have made the segment too); else
    // its run looks under its lock (store/single-run.ts).
    if (segmentNumber !== undefined && (status === 'HIT' || !(await exists(wanted)))) {
      let made = await this.segments.make(renditionPath, dir, segmentNumber, wanted, timing, early?.made);
      if (made === 'STALE') {
        // Made by an older casterpak and moved aside (store/segment-requests.ts): made again.
        status = await this.playlists.make(renditionPath, playlist, false);
        made = await this.segments.make(renditionPath, dir, segmentNumber, wanted, timing);
      }
      if (status === 'HIT' && made !== 'STALE') status = made;
    }
    if (!(await exists(wanted)))
      throw new CasterpakError(
        'NOT_FOUND',
        segmentNumber === undefined ? `${renditionPath}: no playlist` : `${renditionPath}: no segment ${segmentNumber}`,
      );
    return { status, dir };
  }

  // Every segment of the rendition (what an I-frame playlist needs): with a segment index, made
  // alone, as many at a time as there are job slots, each waiting its turn in the queue (so an
  // unrelated request waits behind a few segments, never behind a film); else many missing, one
  // whole-file run, a few, made alone (store/plan-request.ts).
  async ensureAll(renditionPath: string): Promise<EnsureResult> {
    const first = await this.ensure(renditionPath);
    const info = await this.info(renditionPath);
    const names = new Set(await fs.readdir(first.dir));
    const missing = Array.from({ length: info?.segments ?? 0 }, (_, i) => i + 1).filter((n) => !names.has(segmentName(n)));
    const plan = planAll({
      pinned: this.options.bento4.pinned,
      derivedFrom: info && transcodedFrom(info),
      missing: missing.length,
      indexed: names.has(SEGMENT_INDEX),
    });
    if (plan.kind === 'nothing') return first;
    if (plan.kind === 'whole-file') await this.playlists.repairWholeFile(renditionPath, path.join(first.dir, segmentName(missing[0])));
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < missing.length) {
        const n = missing[next++];
        await this.ensure(renditionPath, n).catch((error: unknown) => {
          failed = true;
          throw error;
        }); // found, or made alone
      }
    };
    const parallel = Math.max(1, Math.min(this.options.limiter?.maxJobs ?? 1, missing.length));
    await Promise.all(Array.from({ length: parallel }, worker));
    return { status: first.status === 'HIT' ? 'MISS' : first.status, dir: first.dir };
  }

  // Starts making a segment in the background when a job slot is free (a playing client's next
  // segments); never queues behind, nor delays, a request that is waiting. A segment pruned since
  // it was remembered is made again by its own request.
  prefetch(renditionPath: string, segmentNumber: number): void {
    const key = `${renditionPath}/${segmentNumber}`;
    if (!this.options.bento4.pinned || this.aheadDone.has(key)) return;
    const known = this.entries.get(renditionPath)?.info;
    const derived = (known ? Promise.resolve(known) : this.info(renditionPath)).then(
      (info) => info !== null && transcodedFrom(info) !== null,
    );
    derived
      .then((isDerived) => {
        const limiter = isDerived ? this.options.derivations?.limiter : this.options.limiter;
        if (limiter && (limiter.active >= limiter.maxJobs || limiter.queued > 0)) return;
        return this.ensure(renditionPath, segmentNumber).then(() => this.aheadDone.set(key, true));
      })
      .catch(() => {}); // a request for it will say what is wrong
  }

  // The rendition's directory, confined to the cache directory (cache/confined-dirs.ts).
  insideDir(renditionPath: string): Promise<string> {
    return this.dirs.insideDir(renditionPath);
  }

  // What is remembered of a rendition, without waiting: the warm path.
  known(renditionPath: string): RenditionEntry | undefined {
    return this.entries.get(renditionPath);
  }

  // `casterpak package`: reuse a complete rendition, or (force) package it again and replace it.
  // An incomplete one (pruned segments) is repaired, one made with other settings replaced.
  async make(renditionPath: string, force: boolean): Promise<CommitOutcome | 'reused'> {
    if (!force && (await this.isComplete(renditionPath))) return 'reused';
    if (await this.options.derivations?.derive(renditionPath, this.options.signal)) return this.makeDerived(renditionPath, force);
    let outcome = 'reused' as CommitOutcome | 'reused' | 'upright';
    await this.runs.run(renditionKey(renditionPath), renditionPath, null, async () => {
      // With the pinned Bento4 the moov is read too, so a pruned segment is later made alone.
      const reading = this.options.bento4.pinned ? await this.playlists.read(renditionPath) : undefined;
      // A turned picture is transcoded upright segment by segment, as serve makes it.
      if (reading && !reading.wholeFileBecause && (await this.options.derivations?.uprightSource?.(reading))) outcome = 'upright';
      else outcome = await this.playlists.wholeFile(renditionPath, force, null, reading);
    });
    return outcome === 'upright' ? this.makeDerived(renditionPath, force) : outcome;
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

  // A transcoded rendition (derived, or upright) is made segment by segment (a whole-file run
  // would package its source as stored).
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
    this.entries.forget(renditionPath, 'info', 'index');
    await this.ensure(renditionPath);
    return this.info(renditionPath);
  }

  // Information saved beside the rendition at packaging time (null when not packaged), read
  // from disk and remembered in its entry.
  async info(renditionPath: string): Promise<RenditionInfo | null> {
    const read = await readRenditionInfo(this.options.layout.renditionDir(renditionPath));
    const info = read !== null && isWellFormed(read) ? read : null;
    if (info) this.entries.set(renditionPath, { info });
    return info;
  }

  // A rendition whose playlist is there but whose `.rendition.json` is missing or unreadable
  // (tampered with, cut short): its info made again, from the moov with the pinned Bento4; the
  // segments on disk are kept when the playlist comes out the same (cache/commit.ts). Null when
  // there is no playlist either.
  async healInfo(renditionPath: string): Promise<{ info: RenditionInfo | null; status: CacheStatus }> {
    const dir = await this.insideDir(renditionPath);
    const playlist = path.join(dir, INDEX_PLAYLIST);
    const file = path.join(dir, RENDITION_INFO);
    if (!(await exists(playlist))) return { info: null, status: 'HIT' };
    const known = await this.info(renditionPath);
    if (known) return { info: known, status: 'HIT' }; // healed by another request meanwhile
    // Gone, so that the run below waits for the new one (a concurrent request finds it there).
    await fs.rm(file, { force: true });
    const status = await this.playlists.make(renditionPath, file, false);
    return { info: await this.info(renditionPath), status };
  }

  open(renditionPath: string): Promise<SourceReader> {
    const { openSource, resolveSource, signal } = this.options;
    return openSource
      ? openSource(renditionPath, signal)
      : resolveSource(renditionPath, signal).then((file) => openLocalSource(file, renditionPath));
  }

  job<T>(job: StoreJob<T>): Promise<T> {
    const counted = job.what === 'playlist' && this.options.onPlaylistRuns ? this.countPlaylistRuns : undefined;
    return runStoreJob(job, this.options.onPackaging, counted);
  }

  repairWholeFile(renditionPath: string, wanted: string): Promise<CacheStatus> {
    return this.playlists.repairWholeFile(renditionPath, wanted);
  }
}
