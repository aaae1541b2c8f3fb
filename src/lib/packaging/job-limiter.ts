// Bounds how many packaging runs happen at once, with a bounded queue behind them: a request
// that would overflow the queue is refused at once (503 + Retry-After) instead of piling up.
import { CasterpakError } from '../shared/errors.js';

export class JobLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxJobs: number,
    readonly maxQueue: number,
    /** What the runs are, for the refusal: 'packaging', 'transcode'. */
    readonly what = 'packaging',
    /** A job that waited this long for a slot is refused (503) instead of waiting on. */
    readonly maxWaitMs = Infinity,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxJobs) {
      if (this.waiting.length >= this.maxQueue) {
        throw new CasterpakError('OVERLOADED', `${this.what} queue is full (${this.maxJobs} running, ${this.maxQueue} waiting)`);
      }
      await this.waitTurn();
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next job
      else this.running--;
    }
  }

  // Once no job runs or waits, or `limitMs` has passed (false then): serve's shutdown lets the
  // work of answers already sent end (a rendition committed behind its playlist's answer).
  async idle(limitMs: number): Promise<boolean> {
    for (const until = Date.now() + limitMs; this.running > 0 || this.waiting.length > 0;) {
      if (Date.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  // Resolves when a finished job hands its slot over; past maxWaitMs, leaves the queue refused.
  private waitTurn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const turn = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.push(turn);
      const timer = Number.isFinite(this.maxWaitMs)
        ? setTimeout(() => {
            this.waiting.splice(this.waiting.indexOf(turn), 1);
            reject(new CasterpakError('OVERLOADED', `${this.what}: no slot within ${this.maxWaitMs} ms (${this.maxJobs} running)`));
          }, this.maxWaitMs)
        : undefined;
    });
  }
}
