// Carries out prune's plan item by item, safely on a live server: a rendition directory goes
// in one rename (into .trash, then deleted there), so a request sees all of it or none; a
// segment is unlinked (in batches, on a worker thread), so a response already sending it
// finishes; whatever is already gone (serve, a packager or another prune got there first)
// is not an error.
import { promises as fs, lstatSync } from 'node:fs';
import path from 'node:path';
import { LOCKS_DIR, TRASH_DIR, INDEX_PLAYLIST, KFONLY_DIR, FMP4_DIR, lockName } from '../cache/names.js';
import type { RenditionEntry } from '../cache/entries.js';
import type { KeptItem, PruneItem } from './plan.js';
import { lockHeldSync } from '../cache/lock.js';
import { CrossDeviceError, removeTree, renameAndRemove, trashDir } from '../cache/remove-tree.js';
import { UnlinkWorker } from './unlink-worker.js';
import { WorkQueue } from './work-queue.js';

export interface DeleteIssue {
  readonly path: string;
  readonly message: string;
}

export interface DeleteOutcome {
  /** Removed by this pass. */
  readonly done: PruneItem[];
  /** Already gone when their turn came. */
  readonly vanished: number;
  readonly errors: DeleteIssue[];
  /** Renditions whose packaging started after the scan. */
  readonly kept: KeptItem[];
}

// removed: by us; gone: someone else removed it first; left: kept on purpose.
type Result = 'removed' | 'gone' | 'left';

type Job = { readonly item: PruneItem; readonly rendition: RenditionEntry | undefined } | { readonly segments: PruneItem[] };

// Segments per message to the unlink worker.
const BATCH = 256;

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'error';

export class PruneDeleter {
  private readonly queue: WorkQueue<Job>;
  private readonly pushed: PruneItem[] = [];
  private readonly done = new Set<PruneItem>();
  private readonly errors: DeleteIssue[] = [];
  private readonly kept: KeptItem[] = [];
  private vanished = 0;
  private readonly busy = new Map<string, boolean>();
  private trash: Promise<string | null> | null = null;
  private worker: UnlinkWorker | null = null;
  private segments: PruneItem[] = [];

  constructor(
    private readonly root: string,
    private readonly dev: number,
    concurrency: number,
  ) {
    this.queue = new WorkQueue(concurrency, (job, finished) => this.run(job, finished));
  }

  // `rendition`: the scanned entry of a rendition item (a directory with foreign things in it
  // is emptied of casterpak's files instead of being renamed away whole).
  push(item: PruneItem, rendition?: RenditionEntry): void {
    if (this.isBusy(item)) return;
    this.pushed.push(item);
    if (item.kind !== 'segment') {
      this.queue.push({ item, rendition });
      return;
    }
    this.segments.push(item);
    if (this.segments.length >= BATCH) this.flush();
  }

  async finish(): Promise<DeleteOutcome> {
    this.flush();
    await this.queue.drain();
    await this.worker?.close();
    // In the order planned (least recently accessed first under --max-size), not as they finished.
    const done = this.pushed.filter((item) => this.done.has(item));
    return { done, vanished: this.vanished, errors: this.errors, kept: this.kept };
  }

  private flush(): void {
    if (this.segments.length === 0) return;
    this.queue.push({ segments: this.segments });
    this.segments = [];
  }

  // Plan paths use '/': plain concatenation on POSIX (this runs per file).
  private abs(rel: string): string {
    return this.root + path.sep + (path.sep === '/' ? rel : rel.split('/').join(path.sep));
  }

  private settle(item: PruneItem, result: Result | { error: unknown }): void {
    if (result === 'removed') this.done.add(item);
    else if (result === 'gone') this.vanished++;
    else if (result !== 'left') {
      const code = errorCode(result.error);
      if (code === 'ENOENT') this.vanished++;
      else this.errors.push({ path: item.path, message: result.error instanceof CrossDeviceError ? result.error.message : code });
    }
  }

  // A packaging run that took the rendition's lock after the scan: leave the rendition alone.
  private isBusy(item: PruneItem): boolean {
    if (item.key === null || item.kind === 'lock' || item.kind === 'tmp') return false;
    let answer = this.busy.get(item.key);
    if (answer === undefined) {
      answer = lockHeldSync(path.join(this.root, LOCKS_DIR, lockName(item.key)), Date.now());
      this.busy.set(item.key, answer);
      if (answer) {
        const rendition = item.kind === 'segment' ? item.path.slice(0, item.path.lastIndexOf('/')) : item.path;
        this.kept.push({ path: rendition, kind: item.kind === 'source' ? 'source' : 'rendition', reason: 'packaging' });
      }
    }
    return answer;
  }

  private run(job: Job, finished: () => void): void {
    if ('segments' in job) {
      // The hot path (10⁵ segments): a batch per message, unlinked on another core.
      this.worker ??= new UnlinkWorker();
      this.worker.unlink(
        job.segments.map((item) => this.abs(item.path)),
        (failures) => {
          const failed = new Map(failures);
          job.segments.forEach((item, i) => {
            const code = failed.get(i);
            this.settle(
              item,
              code === undefined ? 'removed' : code === 'ENOENT' ? 'gone' : { error: Object.assign(new Error(code), { code }) },
            );
          });
          finished();
        },
      );
      return;
    }
    const { item, rendition } = job;
    this.remove(item, rendition).then(
      (result) => {
        this.settle(item, result);
        finished();
      },
      (error: unknown) => {
        this.settle(item, { error });
        finished();
      },
    );
  }

  private async remove(item: PruneItem, rendition: RenditionEntry | undefined): Promise<Result> {
    const file = this.abs(item.path);
    switch (item.kind) {
      case 'lock': {
        const stat = lstatSync(file, { throwIfNoEntry: false });
        if (stat === undefined) return 'gone'; // taken over and released meanwhile
        if (stat.mtimeMs !== item.lastAccessMs) return 'left'; // a new owner heartbeats it
        await fs.unlink(file);
        return 'removed';
      }
      case 'source':
        await fs.unlink(file);
        return 'removed';
      case 'rendition': {
        if (rendition === undefined) return 'left';
        this.trash ??= trashDir(path.join(this.root, TRASH_DIR), this.dev);
        const trash = await this.trash;
        if (rendition.foreign === 0 && trash !== null) return (await renameAndRemove(file, trash, this.dev)) ? 'removed' : 'gone';
        await dismantle(file, rendition);
        return 'removed';
      }
      default:
        await removeTree(file, this.dev);
        return 'removed';
    }
  }
}

// A rendition directory holding things that are not casterpak's: only casterpak's files go
// (the playlist first, so the rendition stops existing before its segments do).
async function dismantle(dir: string, rendition: RenditionEntry): Promise<void> {
  const names = rendition.files.map((f) => f.name).sort((a, b) => Number(b === INDEX_PLAYLIST) - Number(a === INDEX_PLAYLIST));
  for (const name of names) {
    await fs.unlink(path.join(dir, ...name.split('/'))).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
  }
  for (const emptied of [path.join(dir, KFONLY_DIR), path.join(dir, FMP4_DIR), dir]) await fs.rmdir(emptied).catch(() => {}); // not empty: foreign things stay
}
