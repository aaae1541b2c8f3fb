// A missing media playlist: from the source's moov alone (moov-rendition.ts) or by a whole-file
// mp42hls run (packager.ts), as store/plan-request.ts decides, committed as one directory
// (rendition-writer.ts, cache/commit.ts). The whole-file run also repairs missing segments.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { renditionKey, segmentName } from '../../cache/names.js';
import type { RenditionInfo } from '../../cache/rendition-info.js';
import { commitRendition, type CommitOutcome } from '../../cache/commit.js';
import { wholeFileRendition } from '../packager.js';
import { indexFromBytes, makeSegmentAlone, type Derivation } from '../segment-maker.js';
import { encodeSegmentIndex } from '../index/segment-index.js';
import { indexedSource, moovRendition, readSourceMoov, type MoovJob, type MoovReading } from '../moov-rendition.js';
import { unlinkIfThere, writeAll } from '../../shared/file-io.js';
import { freeBytes } from '../../shared/free-space.js';
import type { ToolTiming } from '../../shared/run-tool.js';
import { madeSegment, type EarlyWork } from './first-segments.js';
import { removeRunDir, tempDirDuring } from '../../cache/temp-run.js';
import type { SourceReader } from '../source/source-reader.js';
import { planPlaylist, refusal } from './plan-request.js';
import type { CacheStatus } from './single-run.js';
import type { StoreContext } from './store-context.js';
import { FRESH_SEGMENTS } from './rendition-entries.js';
import type { JobLimiter } from '../job-limiter.js';

// A whole-file run takes a whole-file slot (waiting at most its deadline: 503 past it), then a
// packaging slot: however many films are asked for, other requests find the rest of the slots.
function wholeFileSlots({ limiter, wholeFileLimiter }: StoreContext['options']): Pick<JobLimiter, 'run'> | undefined {
  if (!wholeFileLimiter) return limiter;
  return { run: (job) => wholeFileLimiter.run(() => (limiter ? limiter.run(job) : job())) };
}

// The first segment's file, created before it was handed over: written, or removed when making it
// failed after all (an empty file is never committed).
async function writeCreated(handle: FileHandle, file: string, bytes: Uint8Array | undefined): Promise<void> {
  try {
    if (bytes) await writeAll(handle, bytes);
  } finally {
    await handle.close();
  }
  if (!bytes) await unlinkIfThere(file);
}

export class PlaylistRequests {
  constructor(private readonly store: StoreContext) {}

  // A built run directory moved into place; what was remembered of the old one is dropped.
  async commit(renditionPath: string, tmp: string, replace: boolean): Promise<CommitOutcome> {
    try {
      return await commitRendition(this.store.options.layout, tmp, renditionPath, replace);
    } finally {
      this.store.entries.forget(renditionPath, 'info', 'index');
    }
  }

  moovJob(renditionPath: string, sourceReader: SourceReader): MoovJob {
    const { layout, segmentDuration, publicBaseUrl } = this.store.options;
    return { layout, renditionPath, source: sourceReader, segmentDuration, publicBaseUrl };
  }

  async read(renditionPath: string): Promise<MoovReading> {
    const sourceReader = await this.store.open(renditionPath);
    try {
      return await readSourceMoov(this.moovJob(renditionPath, sourceReader));
    } finally {
      await sourceReader.close();
    }
  }

  // The playlist (from the moov, or by a whole-file run), committed as one directory. `early`
  // gets a source's own playlist made from its moov as soon as it is known (moov-rendition.ts),
  // and the segment made first (first-segments.ts), before the rendition is committed; not a
  // derived or turned one's, which `describe` may still refuse.
  async make(renditionPath: string, playlist: string, replace: boolean, early?: EarlyWork): Promise<CacheStatus> {
    const derivation = (await this.store.options.derivations?.derive(renditionPath, this.store.options.signal)) ?? null;
    const sourceReader = await this.store.open(derivation?.sourcePath ?? renditionPath); // before any lock or slot: a missing source is a plain 404
    const facts = { pinned: this.store.options.bento4.pinned, derivedFrom: derivation?.sourcePath ?? null };
    try {
      return await this.store.runs.run(renditionKey(renditionPath), renditionPath, playlist, async () => {
        const plan = planPlaylist(facts);
        if (plan.kind === 'refused') throw refusal(renditionPath, plan);
        if (plan.kind === 'whole-file') return this.wholeFile(renditionPath, replace, sourceReader);
        const job = this.moovJob(renditionPath, sourceReader);
        const made = await this.store.job({
          renditionPath,
          what: 'playlist',
          source: sourceReader,
          limiter: this.store.options.limiter,
          work: () => this.fromMoov(job, facts, derivation, replace, early),
          outcomeOf: (result) => result.outcome,
          mediaOf: (result) => result.read.media,
          movieOf: (result) => (derivation ? undefined : result.read.movie),
        });
        if (made.wholeFile === null) return;
        if (made.wholeFile.because !== null) this.store.options.onWholeFile?.(renditionPath, made.wholeFile.because);
        await this.wholeFile(renditionPath, replace, sourceReader, made.read);
      });
    } finally {
      await sourceReader.close();
    }
  }

  // The rendition from the source's moov, committed; or the reading and the whole-file run it
  // asks for instead (the caller runs that under its own slots).
  private async fromMoov(
    job: MoovJob,
    facts: { readonly pinned: boolean; readonly derivedFrom: string | null },
    derivation: Derivation | null,
    replace: boolean,
    early: EarlyWork | undefined,
  ) {
    const { renditionPath } = job;
    // The run directory is made and the cache's free space asked for while the moov is read: their
    // round trips off the answer's path (on a cold cache the free space took 1–12 ms after the plan).
    const free = freeBytes(job.layout.root);
    const { tmp: runDir, result } = await tempDirDuring(job.layout, renditionPath, async () => {
      const read = await readSourceMoov(job);
      const next = planPlaylist({ ...facts, wholeFileBecause: read.wholeFileBecause });
      if (next.kind === 'refused') throw refusal(renditionPath, next);
      if (next.kind === 'whole-file') return { read, wholeFile: next };
      // A source's own rendition is transcoded upright when its display matrix turns it (renditions/upright.ts).
      const describe = derivation
        ? (info: RenditionInfo) => derivation.describe(read, info)
        : ((await this.store.options.derivations?.uprightSource?.(read)) ?? undefined);
      return { read, wholeFile: null, describe };
    });
    const { read, wholeFile, describe } = result;
    if (wholeFile) {
      await removeRunDir(runDir, []);
      return { read, wholeFile, outcome: null };
    }
    const answer = describe ? undefined : early?.playlist;
    const first = describe ? null : this.firstSegment(job, read, early);
    try {
      const { tmp, index } = await moovRendition(job, read, { describe, answer, afterAnswer: first?.make, runDir, free });
      const outcome = await this.commit(renditionPath, tmp, replace);
      if (outcome === 'committed' || outcome === 'replaced')
        this.store.entries.setFresh(
          renditionPath,
          indexFromBytes(index, this.store.options.layout.renditionDir(renditionPath), FRESH_SEGMENTS),
        );
      return { read, wholeFile: null, outcome };
    } finally {
      first?.end();
    }
  }

  // The segment a request asked for (or segment 1 after an early playlist, with
  // firstSegmentAhead), made right after the answer from an index of that segment alone (the
  // same records the whole index holds for it, so the same bytes), answered from memory
  // (first-segments.ts) and written into the run directory to be committed with the rest. A
  // failure is not the rendition's: the segment's request makes it then, and reports what went
  // wrong. Null when there is none to make.
  private firstSegment(job: MoovJob, read: MoovReading, early: EarlyWork | undefined) {
    const number = early?.segment?.number ?? (early?.playlist && this.store.options.firstSegmentAhead ? 1 : undefined);
    if (number === undefined || number > read.plan.segments.length) return null;
    let end = () => {};
    const make = async (runDir: string): Promise<void> => {
      const { bento4, layout, signal } = this.store.options;
      const { renditionPath, source } = job;
      const timing: ToolTiming = { toolMs: 0 };
      // Its file is created in the run directory before it is handed over: the answer carries the
      // validators of the file the commit publishes. Null when it fails: a request waiting for it
      // then makes it itself.
      const segmentFile = path.join(runDir, segmentName(number));
      const file: { handle?: FileHandle } = {};
      const made = (async () => {
        // An answer is written once its socket is uncorked, in a later tick: it goes first.
        await new Promise((resolve) => setImmediate(resolve));
        const plan = { ...read.plan, segments: read.plan.segments.slice(number - 1, number) };
        const index = indexFromBytes(encodeSegmentIndex(read.moov, read.movie, plan, indexedSource(read.identity)), runDir);
        const bytes = await makeSegmentAlone({
          bento4,
          layout,
          renditionPath,
          index,
          position: 0,
          segmentNumber: number,
          source,
          signal,
          timing,
        });
        file.handle = await fs.open(segmentFile, 'wx');
        return madeSegment(bytes, await file.handle.stat());
      })().catch(() => null);
      // Registered in the answer's turn (`made` has not gone past its first await), before any request can look for it.
      const registered = this.store.firstSegments.start(renditionPath, { number, made, segments: read.plan.segments.length, timing });
      end = registered.end;
      early?.segment?.taken(registered.entry);
      const segment = await made;
      if (file.handle) await writeCreated(file.handle, segmentFile, segment?.bytes);
      // The rest of the rendition is synchronous work: it waits for an answer being written.
      await registered.answered();
    };
    return { make, end: () => end() };
  }

  // One whole-file run under the rendition's key, until `wanted` (a missing segment) is there;
  // it repairs every missing segment at once. With the pinned Bento4 it reads the moov first, as
  // the playlist did: a source whose edit lists or composition offsets move its samples is then
  // packaged moved (packager.ts), so the repaired segments lie on the presentation timeline of the
  // segments made alone beside them, not on the source's own.
  repairWholeFile(renditionPath: string, wanted: string): Promise<CacheStatus> {
    return this.store.runs.run(renditionKey(renditionPath), renditionPath, wanted, async () => {
      const reading = this.store.options.bento4.pinned ? await this.read(renditionPath) : undefined;
      return this.wholeFile(renditionPath, false, null, reading);
    });
  }

  // A whole-file mp42hls run; its segments are normalised as segments made alone are, and with
  // the pinned Bento4 the index is kept so a pruned segment is later made alone.
  async wholeFile(renditionPath: string, replace: boolean, sourceReader: SourceReader | null = null, reading?: MoovReading) {
    const { layout, bento4, segmentDuration, publicBaseUrl, signal } = this.store.options;
    const result = await this.store.job({
      renditionPath,
      what: 'rendition',
      source: sourceReader,
      limiter: wholeFileSlots(this.store.options),
      work: async () => {
        const sourcePath = await this.store.options.resolveSource(renditionPath, signal);
        const job = { bento4, layout, renditionPath, source: sourcePath, segmentDuration, publicBaseUrl, signal, reading };
        const { tmp, info } = await wholeFileRendition(job);
        return { outcome: await this.commit(renditionPath, tmp, replace), media: info.media };
      },
      outcomeOf: (made) => made.outcome,
      mediaOf: (made) => made.media,
      movieOf: () => reading?.movie,
    });
    return result.outcome;
  }
}
