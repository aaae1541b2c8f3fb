// A full garbage collection once serve has gone quiet. V8 collects when JavaScript allocates; an
// origin with no request in progress allocates nothing, so the buffers of a burst that has ended
// (tens of MiB after 1,000 slow readers) would stay allocated until the next traffic. A second
// collection follows if serve is still quiet: V8 gives back the young generation a burst grew
// only on a collection that finds little allocated in the seconds before it, which the first,
// 3 s after the burst, does not. Timings and figures: docs/reliability.md, "Hostile clients and a
// careless operator".
import v8 from 'node:v8';
import vm from 'node:vm';

/** Quiet this long after the last request ended (or connection closed) before collecting. */
const QUIET_MS = 3_000;
/** At most one collection this often, whatever the traffic; and the second one this long after the first. */
const MIN_INTERVAL_MS = 10_000;

// `gc` without a command-line flag: the flag set at run time exposes it to contexts made after,
// so a new context hands it over; then it is turned off again, so no other context gets `gc`.
let fullCollection: (() => void) | null | undefined;
function collector(): (() => void) | null {
  if (fullCollection !== undefined) return fullCollection;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    fullCollection = typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    fullCollection = null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  return fullCollection;
}

interface IdleCollection {
  /** A request started (work under way: no collection until it ends). */
  started(): void;
  /** A request ended: quiet starts from now once none is in progress. */
  ended(): void;
  /** A connection closed (its buffers are garbage now): quiet starts again from now. */
  closed(): void;
  /** Collections run so far (for tests). */
  readonly runs: number;
  stop(): void;
}

/**
 * `release` lets go of what is kept for the next burst (the whole-read pool) before collecting.
 * Runs only after activity: an origin idle for hours collects twice, not every few seconds.
 */
export function idleCollection(
  release: () => void,
  options: { quietMs?: number; minIntervalMs?: number; collect?: () => void } = {},
): IdleCollection {
  const quietMs = options.quietMs ?? QUIET_MS;
  const minIntervalMs = options.minIntervalMs ?? MIN_INTERVAL_MS;
  let inProgress = 0;
  let lastRun = -Infinity;
  let runs = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const later = (wait: number, followUp: boolean) => {
    timer = setTimeout(() => run(followUp), wait);
    timer.unref(); // never what keeps the process alive
  };
  const run = (followUp: boolean) => {
    timer = undefined;
    if (inProgress > 0) return;
    lastRun = Date.now();
    runs++;
    release();
    (options.collect ?? collector() ?? (() => {}))();
    if (!followUp && !stopped) later(minIntervalMs, true); // activity meanwhile puts it off (schedule)
  };
  const schedule = () => {
    clearTimeout(timer);
    if (stopped) return;
    later(Math.max(quietMs, lastRun + minIntervalMs - Date.now()), false);
  };

  return {
    started() {
      inProgress++;
      clearTimeout(timer);
      timer = undefined;
    },
    ended() {
      inProgress = Math.max(0, inProgress - 1);
      if (inProgress === 0) schedule();
    },
    closed() {
      if (inProgress === 0) schedule();
    },
    get runs() {
      return runs;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
