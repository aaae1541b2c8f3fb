// A warning told once per key for as long as the key is remembered (a bounded set): what a
// client or a master repeats on every request would otherwise fill the log.
import { boundedCache } from './bounded-cache.js';
import type { Logger } from './logger.js';

type WarnOnce = (key: string, message: string, fields: Record<string, unknown>) => void;

export function warnOncePerKey(logger: Logger, max: number): WarnOnce {
  const told = boundedCache<string, true>({ max });
  return (key, message, fields) => {
    if (told.has(key)) return;
    told.set(key, true);
    logger.warn(message, fields);
  };
}
