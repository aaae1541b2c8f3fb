// One request from start to end: CORS and method checks, the path validated into a route before
// anything touches the disk (request-path.ts), the route's handler, access recorded where the
// route table says so, every error turned into a status with a one-line reason, one access log
// line (unless serve.accessLog is off: behind nginx, its own access log says the same).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { httpStatusFor, oneLine, isCasterpakError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { boundedCache } from '../shared/bounded-cache.js';
import type { AccessTracker } from '../cache/access-tracker.js';
import type { CacheStatus } from '../packaging/rendition-store.js';
import type { SendResult } from './http/static-file.js';
import type { ServeMetrics } from './metrics.js';
import type { Counter } from 'prom-client';
import { routeRequest, type Route, type RouteOf, type RouteOptions, type RouteResult } from './request-path.js';
import { ROUTE_TABLE } from './routes.js';
import { onceUntilRecovered } from './once-until-recovered.js';
import { setCommonHeaders, withCommonHeaders } from './http/response-headers.js';
import type { TokenGate } from './tokens/token-gate.js';
import type { Encryption } from './keys/encryption.js';

// Request ids: unique per process (a random prefix), cheap per request (a counter).
const ID_PREFIX = `${randomBytes(3).toString('hex')}-`;
let requests = 0;

export interface Served extends SendResult {
  readonly cache?: CacheStatus;
  /** The cached file sent, when there is one: its access is recorded (routes.ts recordsAccess). */
  readonly file?: string;
}

type RouteHandlers = {
  readonly [K in Route['kind']]: (req: IncomingMessage, res: ServerResponse, route: RouteOf<K>) => Served | Promise<Served>;
};

interface HandlerDeps {
  readonly routing: RouteOptions;
  readonly corsOrigin: string;
  readonly handlers: RouteHandlers;
  readonly tracker: AccessTracker;
  readonly metrics: ServeMetrics;
  readonly logger: Logger;
  /** One `request` line per request (serve.accessLog); refusals and failures are logged either way. */
  readonly accessLog: boolean;
  /** --require-token: the signed-URL check (tokens/token-gate.ts). */
  readonly tokens?: TokenGate;
  /** --encrypt aes-128: playlists and segments encrypted as they are sent (keys/encryption.ts). */
  readonly encryption?: Encryption;
}

const CLIENT_CLOSED = 499;

// Failures of the server's own files that say nothing about the request and pass once an
// operator acts: 503 with the reason (RFC 9110 §15.6.4), logged once until they recover.
const UNAVAILABLE: Readonly<Record<string, string>> = {
  EMFILE: 'the origin has no file descriptors left; try again',
  ENFILE: 'the system has no file descriptors left; try again',
  EROFS: 'the cache is on a read-only file system',
  EACCES: 'the cache or a source cannot be accessed (permission denied)',
  EPERM: 'the cache or a source cannot be accessed (operation not permitted)',
  MKDIR_ENOENT: 'the cache cannot be written (a read-only file system, or its directory removed)',
};

// A recursive mkdir (the cache's) makes missing parents: its ENOENT is Node's answer on a
// read-only file system, not a missing file.
const unavailableKey = (error: NodeJS.ErrnoException) =>
  error.code === 'ENOENT' && error.syscall === 'mkdir' ? 'MKDIR_ENOENT' : (error.code ?? '');
const CORS_EXPOSE = 'Content-Length, Content-Range, ETag, X-Casterpak-Cache';

function sendError(res: ServerResponse, status: number, reason: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy(); // a response already under way cannot change its status: cut it so the client sees it failed
    return;
  }
  const body = `${status} ${http.STATUS_CODES[status] ?? ''}: ${reason}\n`;
  const headers = {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    ...extra,
  };
  res.writeHead(status, withCommonHeaders(res, headers));
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const dispatch = (handlers: RouteHandlers, req: IncomingMessage, res: ServerResponse, route: Route) =>
  (handlers[route.kind] as (req: IncomingMessage, res: ServerResponse, route: Route) => Served | Promise<Served>)(req, res, route);

// prom-client hashes a label set on every inc(): the warm path keeps each set's child instead.
function labelled<T extends string>(counter: Counter<T>): (...values: string[]) => { inc(value?: number): void } {
  const children = new Map<string, { inc(value?: number): void }>();
  return (...values) => {
    const key = values.join('\0');
    let child = children.get(key);
    if (!child) children.set(key, (child = counter.labels(...values)));
    return child;
  };
}

export function createHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { metrics, logger } = deps;
  const requestsBy = labelled(metrics.requests);
  // Routing is a pure function of the raw target: players ask for the same few over and over.
  // Only routes are kept (refusals, such as a scanner's many paths, are decided again).
  const routes = boundedCache<string, RouteResult>({ max: 10_000 });
  const route = (raw: string, rawPath: string, queryAt: number): RouteResult => {
    let routed = routes.get(raw);
    if (routed === undefined) {
      routed = routeRequest(rawPath, queryAt < 0 ? '' : raw.slice(queryAt + 1), deps.routing);
      if (routed.ok && raw.length <= 512) routes.set(raw, routed);
    }
    return routed;
  };
  const cacheBy = labelled(metrics.cache);
  const filesFailing = onceUntilRecovered(logger, 'files unavailable: requests answered 503');
  return async function handle(req, res) {
    const begin = performance.now();
    const id = `${ID_PREFIX}${(++requests).toString(36)}`;
    const raw = req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const rawPath = queryAt < 0 ? raw : raw.slice(0, queryAt);
    setCommonHeaders(res, {
      'Access-Control-Allow-Origin': deps.corsOrigin,
      'Access-Control-Expose-Headers': CORS_EXPOSE,
      'X-Request-Id': id,
    });
    let routeName = 'unknown';
    let status = 500;
    let cache: string | undefined;
    let bytes = 0;
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(
          204,
          withCommonHeaders(res, {
            'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
            'Access-Control-Allow-Headers': 'Range, If-None-Match, If-Modified-Since, If-Range, If-Match, If-Unmodified-Since',
            'Access-Control-Max-Age': '86400',
            'Content-Length': 0,
          }),
        );
        res.end();
        status = 204;
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        status = 405;
        sendError(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD, OPTIONS' });
        return;
      }
      const routed = route(raw, rawPath, queryAt);
      if (!routed.ok) {
        status = routed.status;
        sendError(res, status, routed.reason);
        return;
      }
      routeName = routed.route.kind;
      const query = queryAt < 0 ? '' : raw.slice(queryAt + 1);
      const refused = deps.tokens?.admit(req, res, routed.route, rawPath, query);
      if (refused) {
        status = 403;
        sendError(res, 403, refused);
        return;
      }
      deps.encryption?.apply(req, res, routed.route, query); // after the token's rewrite: the key URI gets the token
      const served = await dispatch(deps.handlers, req, res, routed.route);
      if (served.file && ROUTE_TABLE[routed.route.kind].recordsAccess) deps.tracker.touch(served.file);
      ({ status, bytes, cache } = served);
      if (cache === 'MISS') filesFailing.recovered(); // something was written to the cache
      if (cache) cacheBy(cache).inc();
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE' || (res.headersSent && res.destroyed)) {
        // The client went away mid-response (nginx logs 499): not a failure of ours.
        status = CLIENT_CLOSED;
        res.destroy();
        return;
      }
      const errno = (error as NodeJS.ErrnoException)?.code;
      const unavailable = errno === undefined ? undefined : UNAVAILABLE[unavailableKey(error as NodeJS.ErrnoException)];
      status = unavailable ? 503 : errno === 'ENOENT' ? 404 : errno === 'ENOSPC' ? 507 : httpStatusFor(error);
      const reason = isCasterpakError(error)
        ? error.message
        : status === 404
          ? 'not found'
          : status === 507
            ? 'no space left in the cache'
            : (unavailable ?? 'internal error');
      if (unavailable) filesFailing.note(`${unavailable} (${errno})`, { error: oneLine(error) });
      else if (status >= 500 && !isCasterpakError(error))
        logger.error('request failed', { id, error: String((error as Error)?.stack ?? error) });
      sendError(res, status, reason, status === 503 ? { 'Retry-After': '5' } : {});
      if (status >= 400) logger.info('refused', { id, route: routeName, status, reason: oneLine(reason) });
    } finally {
      requestsBy(routeName, String(status)).inc();
      metrics.bytesServed.inc(bytes);
      if (deps.accessLog)
        logger.info('request', {
          id,
          method: req.method,
          path: rawPath.slice(0, 300),
          route: routeName,
          status,
          cache,
          bytes,
          ms: Math.round(performance.now() - begin),
        });
    }
  };
}
