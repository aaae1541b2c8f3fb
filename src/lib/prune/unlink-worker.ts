// Unlinks files in batches on a worker thread. A pass may remove 10⁵ segments: one libuv
// request per file costs the main thread more than the unlink itself, and floods the thread
// pool that serve's own file reads wait in. A worker does plain unlinkSync calls on another
// core while the scan goes on, and answers once per batch.
import { Worker } from 'node:worker_threads';

// CommonJS source evaluated in the worker (a string, so it needs no file beside the build).
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { unlinkSync } = require('node:fs');
parentPort.on('message', ({ id, files }) => {
  const failures = [];
  for (let i = 0; i < files.length; i++) {
    try {
      unlinkSync(files[i]);
    } catch (error) {
      failures.push([i, (error && error.code) || 'error']);
    }
  }
  parentPort.postMessage({ id, failures });
});
`;

// Per batch: the index of each file that could not be unlinked, with its error code.
export type UnlinkFailures = ReadonlyArray<readonly [number, string]>;

export class UnlinkWorker {
  private readonly worker = new Worker(SOURCE, { eval: true });
  private readonly waiting = new Map<number, { size: number; done: (failures: UnlinkFailures) => void }>();
  private nextId = 0;
  private broken: string | null = null;

  constructor() {
    this.worker.on('message', ({ id, failures }: { id: number; failures: UnlinkFailures }) => {
      const batch = this.waiting.get(id);
      this.waiting.delete(id);
      batch?.done(failures);
    });
    // A worker that cannot run (out of memory, refused): every file still waiting failed.
    const fail = (reason: string) => {
      this.broken ??= reason;
      for (const [id, batch] of this.waiting) {
        this.waiting.delete(id);
        batch.done(Array.from({ length: batch.size }, (_, i) => [i, reason] as const));
      }
    };
    this.worker.on('error', (error) => fail(`unlink worker failed: ${error.message}`));
    this.worker.on('exit', () => fail('unlink worker exited'));
  }

  unlink(files: readonly string[], done: (failures: UnlinkFailures) => void): void {
    if (this.broken !== null) {
      done(files.map((_, i) => [i, this.broken!] as const));
      return;
    }
    const id = this.nextId++;
    this.waiting.set(id, { size: files.length, done });
    this.worker.postMessage({ id, files });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
