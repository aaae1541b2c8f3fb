// GET /: the status page (the cache's renditions, hit ratio, packaging runs, a player), and
// the player's hls.js at PLAYER_SCRIPT_PATH, served from the installed hls.js package.
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasterpakError } from '../../shared/errors.js';
import type { CacheLayout } from '../../cache/names.js';
import { PLAYER_SCRIPT_PATH } from '../request-path.js';
import { renderStatusPage } from './status-html.js';
import { VERSION } from '../../shared/version.js';
import type { ServeMetrics } from '../metrics.js';
import { listRenditions, DEFAULT_WALK_LIMITS, type WalkLimits } from './listing.js';
import { sendFile, type SendResult } from '../http/static-file.js';

interface StatusPageInput {
  readonly layout: CacheLayout;
  readonly metrics: ServeMetrics;
  readonly startedAt: number;
  readonly now?: number;
  readonly limits?: WalkLimits;
}

type CounterName = 'cache' | 'packagingRuns' | 'requests' | 'bytesServed';

// A counter's values summed by one of its labels ('' for a counter without labels), those
// with `where` only.
async function byLabel(
  metrics: ServeMetrics,
  name: CounterName,
  label?: string,
  where: (labels: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics[name].get()).values) {
    const labels = v.labels as Record<string, unknown>;
    if (!where(labels)) continue;
    const key = String((label === undefined ? undefined : labels[label]) ?? '');
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

const total = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

export async function statusPage(input: StatusPageInput): Promise<string> {
  const [lookups, packagingRuns, failedRuns, requests, bytes, listing] = await Promise.all([
    byLabel(input.metrics, 'cache', 'result'),
    byLabel(input.metrics, 'packagingRuns', 'what'),
    byLabel(input.metrics, 'packagingRuns', 'what', (labels) => labels.outcome === 'failed'),
    byLabel(input.metrics, 'requests'),
    byLabel(input.metrics, 'bytesServed'),
    listRenditions(input.layout.root, input.limits ?? DEFAULT_WALK_LIMITS),
  ]);
  return renderStatusPage({
    version: `casterpak ${VERSION}`,
    cacheDir: input.layout.root,
    startedAtMs: input.startedAt,
    nowMs: input.now ?? Date.now(),
    lookups,
    packagingRuns,
    packagingFailed: total(failedRuns),
    requests: total(requests),
    bytesServed: total(bytes),
    renditions: listing.rows,
    renditionsFound: listing.found,
    scanComplete: listing.complete,
    playerScriptUrl: PLAYER_SCRIPT_PATH,
  });
}

let playerScript: string | null | undefined;

// hls.js is resolved once; without it (an install that left it out) the page still lists the
// cache, and its player says that it cannot play.
export async function sendPlayerScript(
  req: IncomingMessage,
  res: ServerResponse,
  delivery: { contentType: string; cacheControl: string },
): Promise<SendResult> {
  if (playerScript === undefined) {
    try {
      playerScript = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
    } catch {
      playerScript = null;
    }
  }
  if (playerScript === null) throw new CasterpakError('NOT_FOUND', 'hls.js is not installed next to casterpak');
  return sendFile(req, res, playerScript, delivery);
}
