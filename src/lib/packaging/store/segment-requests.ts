// A missing segment of a rendition whose playlist is on disk: made alone from the segment index,
// derived (transcoded from its source's span), or by a whole-file run that repairs every missing
// segment, as store/plan-request.ts decides. A segment made alone whose mp42hls output does not
// check out is made again by a whole-file run (the plan, told why).
import type { Stats } from 'node:fs';
import path from 'node:path';
import { CasterpakError, isCasterpakError } from '../../shared/errors.js';
import { exists } from '../../shared/exists.js';
import { INDEX_PLAYLIST, renditionKey, segmentName } from '../../cache/names.js';
import { transcodedFrom } from '../../cache/rendition-info.js';
import { moveToTrash } from '../../cache/remove-tree.js';
import { writeFileAtomic } from '../../cache/atomic-write.js';
import { loadIndex, makeSegmentAlone, type LoadedIndex } from '../segment-maker.js';
import { IndexFormatError } from '../index/segment-index.js';
import { planSegment, refusal } from './plan-request.js';
import type { CacheStatus } from './single-run.js';
import { madeSegment, type MadeSegment } from './first-segments.js';
import type { StoreContext } from './store-context.js';
import type { ToolTiming } from '../../shared/run-tool.js';

export class SegmentRequests {
  constructor(private readonly store: StoreContext) {}

  // Segment `segmentNumber` (1-based) into `wanted`, a file in the rendition's directory `dir`;
  // STALE when the rendition was made by an older casterpak and moved aside: the caller makes it again.
  // `timing` gets the mp42hls run's time when this request makes the segment, `made` the segment
  // once its file is created (answered from memory while it is committed).
  async make(
    renditionPath: string,
    dir: string,
    segmentNumber: number,
    wanted: string,
    timing?: ToolTiming,
    made?: (segment: MadeSegment) => void,
  ): Promise<CacheStatus | 'STALE'> {
    const { options, entries } = this.store;
    const index = options.bento4.pinned ? await this.loadedIndex(renditionPath, dir) : null;
    if (index === 'STALE') {
      await this.setAside(renditionPath, dir);
      return 'STALE';
    }
    const info = options.derivations ? await this.store.info(renditionPath) : null;
    const derived = info && transcodedFrom(info) !== null ? info : null;
    const facts = {
      pinned: options.bento4.pinned,
      derivedFrom: derived && transcodedFrom(derived),
      indexed: index !== null,
      standalone: index?.header.segments.at(segmentNumber - 1)?.standalone === true,
    };
    const plan = planSegment(facts);
    if (plan.kind === 'refused') throw refusal(renditionPath, plan);
    if (plan.kind === 'whole-file') return this.store.repairWholeFile(renditionPath, wanted);
    const sourceReader = await this.store.open(facts.derivedFrom ?? renditionPath);
    try {
      const { size, version } = index!.header.source;
      if (sourceReader.identity.size !== size || sourceReader.identity.version !== version) {
        // The source changed since its index was made: never mix old and new segments.
        entries.forget(renditionPath, 'index');
        await moveToTrash(options.layout, dir);
        throw new CasterpakError('NOT_FOUND', `${renditionPath}: the source changed; its rendition is made again on the next request`);
      }
      const transform = derived ? options.derivations!.transform(derived) : undefined;
      const what = `${renditionPath} ${segmentName(segmentNumber)}`;
      return await this.store.runs.run(renditionKey(`${renditionPath}/${segmentName(segmentNumber)}`), what, wanted, () =>
        this.store.job({
          renditionPath,
          what: derived ? 'transcode' : 'segment',
          source: sourceReader,
          limiter: derived ? options.derivations!.limiter : options.limiter,
          work: async () => {
            const { bento4, layout, signal } = options;
            const bytes = await makeSegmentAlone({
              bento4,
              layout,
              renditionPath,
              index: index!,
              segmentNumber,
              source: sourceReader,
              signal,
              transform,
              timing,
            });
            // Handed to its request as soon as its file is created, while it is written and renamed in.
            const created = made && ((stat: Stats) => made(madeSegment(bytes, stat)));
            await writeFileAtomic(wanted, bytes, { durable: false, created });
            return 'committed' as const;
          },
          outcomeOf: (outcome) => outcome,
        }),
      );
    } catch (error) {
      if (!isCasterpakError(error) || error.code !== 'TOOL') throw error;
      const next = planSegment({ ...facts, aloneFailed: error.message });
      if (next.kind !== 'whole-file') throw error;
      options.onWholeFile?.(renditionPath, error.message);
      // Awaited here: a rejection returned unawaited from `catch` is unhandled while `finally`
      // awaits the close, and ends the process.
      return await this.store.repairWholeFile(renditionPath, wanted);
    } finally {
      await sourceReader.close();
    }
  }

  // The rendition's segment index, loaded once into its entry; null when it has none (a
  // whole-file rendition of another Bento4, or a source whose segments cannot be made alone).
  // STALE: an index of another format, written by an older casterpak, or a rendition gone since
  // the caller found its playlist (another request moved it aside to make it again, or prune
  // removed it): made again as a stale one is, never repaired by a whole-file run meanwhile.
  private async loadedIndex(renditionPath: string, dir: string): Promise<LoadedIndex | null | 'STALE'> {
    const known = this.store.entries.get(renditionPath)?.index ?? this.store.entries.takeFresh(renditionPath);
    if (known) return known;
    const loaded = await loadIndex(dir).catch(async (error: unknown) => {
      if (error instanceof IndexFormatError) return 'STALE' as const;
      const gone = (error as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(path.join(dir, INDEX_PLAYLIST)));
      return gone ? ('STALE' as const) : null;
    });
    if (loaded !== null && loaded !== 'STALE') this.store.entries.set(renditionPath, { index: loaded });
    return loaded;
  }

  // A rendition an older casterpak made (its segments may lie on another timeline, docs/architecture.md
  // "The presentation timeline") is moved aside whole, never mixed with new segments: under the
  // rendition's run key, after looking again, so a request that read the old index late cannot
  // move aside the rendition another one has just made.
  private async setAside(renditionPath: string, dir: string): Promise<void> {
    await this.store.runs.run(renditionKey(renditionPath), `${renditionPath} (older format)`, null, async () => {
      const stale = await loadIndex(dir).then(
        () => false,
        (error: unknown) => error instanceof IndexFormatError,
      );
      if (!stale) return;
      this.store.entries.forget(renditionPath, 'info', 'index');
      await moveToTrash(this.store.options.layout, dir);
    });
  }
}
