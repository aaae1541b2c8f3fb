// One run of a piece of work per key at a time within this process: callers that ask while it
// runs share its promise (its value or its error); once it settles the key is forgotten, so
// the next caller starts a new run. What outlives a run (results, failures) is the caller's.
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  // The running work's promise for `key`, or `work` started now.
  run(key: string, work: () => Promise<T>): Promise<T> {
    const known = this.running.get(key);
    if (known) return known;
    const job = (async () => work())().finally(() => this.running.delete(key));
    this.running.set(key, job);
    return job;
  }

  // The promise of the run for `key` when one is running.
  current(key: string): Promise<T> | undefined {
    return this.running.get(key);
  }

  get size(): number {
    return this.running.size;
  }
}
