// The routes about the origin itself: liveness, Prometheus metrics, the status page, its player
// and the library browser.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheLayout } from '../cache/names.js';
import type { JobLimiter } from '../packaging/job-limiter.js';
import { sendText } from './http/static-file.js';
import type { ServeMetrics } from './metrics.js';
import { deliveryFor } from './routes.js';
import { sendPlayerScript, statusPage } from './status/status-page.js';
import { DEFAULT_LIBRARY_LIMITS, listLibrary, type LibraryLimits } from './status/library.js';
import { renderLibraryPage } from './status/library-html.js';
import { VERSION } from '../shared/version.js';
import type { RouteOf } from './request-path.js';
import type { Served } from './handler.js';

interface ServiceRoutesDeps {
  readonly layout: CacheLayout;
  readonly metrics: ServeMetrics;
  readonly limiter: JobLimiter;
  readonly startedAt: number;
  readonly cacheControl: { readonly playlist: string; readonly segment: string; readonly master: string };
  readonly sourceRoot: string | null;
  readonly mediaExtensions: readonly string[];
  readonly libraryLimits?: LibraryLimits;
}

export function serviceRoutes(deps: ServiceRoutesDeps) {
  const { metrics, limiter } = deps;
  const send = (
    kind: 'healthz' | 'metrics' | 'status' | 'library',
    text: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<Served> => sendText(req, res, text, deliveryFor(kind, '', deps.cacheControl));
  return {
    healthz: (req: IncomingMessage, res: ServerResponse) => send('healthz', 'ok\n', req, res),
    metrics: async (req: IncomingMessage, res: ServerResponse) => {
      metrics.queueDepth.set(limiter.queued);
      metrics.activeJobs.set(limiter.active);
      return send('metrics', await metrics.registry.metrics(), req, res);
    },
    status: async (req: IncomingMessage, res: ServerResponse) =>
      send('status', await statusPage({ layout: deps.layout, metrics, startedAt: deps.startedAt }), req, res),
    'player-script': (req: IncomingMessage, res: ServerResponse) =>
      sendPlayerScript(req, res, deliveryFor('player-script', '', deps.cacheControl)),
    library: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'library'>) => {
      const limits = deps.libraryLimits ?? DEFAULT_LIBRARY_LIMITS;
      const listing =
        deps.sourceRoot === null ? null : await listLibrary(deps.sourceRoot, route.dir, route.page, deps.mediaExtensions, limits);
      return send('library', renderLibraryPage({ version: `casterpak ${VERSION}`, listing, maxEntries: limits.maxEntries }), req, res);
    },
  };
}
