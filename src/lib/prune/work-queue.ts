// Runs `work` on pushed items with at most `limit` in flight, so prune's deletions proceed on
// the thread pool while its scan goes on. Callback style: one promise per pass (drain), not
// one per file (a pass may unlink 10⁵ segments).

export class WorkQueue<T> {
  private waiting: T[] = [];
  private head = 0; // index of the next waiting item (no O(n) shift per item)
  private running = 0;
  private pumping = false;
  private idle: (() => void) | null = null;

  constructor(
    private readonly limit: number,
    private readonly work: (item: T, done: () => void) => void,
  ) {}

  push(item: T): void {
    this.waiting.push(item);
    this.pump();
  }

  // Resolves when every item pushed so far has finished.
  drain(): Promise<void> {
    if (this.running === 0 && this.head === this.waiting.length) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  // A loop, not recursion: work that finishes synchronously must not grow the stack.
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    while (this.running < this.limit && this.head < this.waiting.length) {
      const item = this.waiting[this.head++]!;
      this.running++;
      let called = false;
      this.work(item, () => {
        if (called) return;
        called = true;
        this.running--;
        this.pump();
      });
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    }
    this.pumping = false;
    if (this.running === 0 && this.waiting.length === 0 && this.idle) {
      const idle = this.idle;
      this.idle = null;
      idle();
    }
  }
}
