// What is wrong with a master is told once per process: a master is asked for often, and a log
// line per request would bury everything else (docs/reliability.md, promise 10).
import type { RenditionInfo } from '../cache/rendition-info.js';
import type { Size } from '../renditions/ladder-plan.js';
import { pictureOf } from './rendition-variant.js';
import type { Logger } from '../shared/logger.js';
import { warnOncePerKey } from '../shared/warn-once.js';

export function masterWarnings(logger: Logger) {
  const warnOnce = warnOncePerKey(logger, 1000);

  // A phone video (a quarter-turn display matrix) packaged as stored (renditions.upright off, or
  // cached before it was on) plays sideways while its derived renditions are made upright
  // (docs/renditions.md, "Phone video"): a master mixing the two is told once, naming the source.
  function warnIfSideways(
    renditionPath: string,
    size: Size,
    settled: readonly PromiseSettledResult<{ readonly info: RenditionInfo }>[],
  ): void {
    const landscape = size.width > size.height;
    const turned = settled.find((r) => {
      const derived = r.status === 'fulfilled' ? pictureOf(r.value.info) : null;
      return derived !== null && derived.width !== derived.height && derived.width > derived.height !== landscape;
    });
    if (!turned) return;
    warnOnce(`sideways\n${renditionPath}`, 'phone video: the source rendition plays sideways', {
      rendition: renditionPath,
      reason:
        `${renditionPath} has a quarter-turn display matrix that HLS segments cannot carry: its own rendition (${size.width}x${size.height}), ` +
        'packaged as stored, plays sideways, its derived renditions upright; with renditions.upright on (--upright on) it is ' +
        'transcoded upright once its cached rendition is pruned or packaged again with --force',
    });
  }

  return { warnOnce, warnIfSideways };
}
