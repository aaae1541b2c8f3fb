// A failure that repeats on every request until an operator fixes it (a read-only cache, no
// descriptors left) is logged once with its reason, and again only after it went away and came
// back: a log line per request would bury everything else (docs/reliability.md, promise 10).
import type { Logger } from '../shared/logger.js';

interface OnceUntilRecovered {
  /** The failure happened (again): logged if it is new, or another reason than the last. */
  note(reason: string, fields?: Record<string, unknown>): void;
  /** It works again: logged once if it had failed. */
  recovered(): void;
}

export function onceUntilRecovered(logger: Logger, message: string): OnceUntilRecovered {
  let failing: string | null = null;
  return {
    note(reason, fields = {}) {
      if (failing === reason) return;
      failing = reason;
      logger.warn(message, { reason, ...fields });
    },
    recovered() {
      if (failing === null) return;
      logger.info(`${message}: recovered`, { reason: failing });
      failing = null;
    },
  };
}
