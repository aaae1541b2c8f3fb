// The casterpak origin: one node:http server wiring validated routes to the rendition store,
// the I-frame playlist service, the published root and the master proxy. Every error becomes a status
// with a one-line reason; nothing a client sends can throw out of the handler.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { httpStatusFor, oneLine, isCasterpakError, CasterpakError } from '../shared/errors.js';
import { leftoverMaxAgeMs, type CasterpakConfig } from '../config/schema.js';
import { cacheLayout } from '../cache/names.js';
import { routeRequest, type Route } from './request-path.js';
import { JobLimiter } from '../packaging/job-limiter.js';
import { locateBento4, type Bento4 } from '../packaging/bento4.js';
import { RenditionStore } from '../packaging/rendition-store.js';
import { createSourceResolver, realPathInside } from '../packaging/source-resolver.js';
import { createIFramePlaylistService } from '../trick-play/iframe-playlist-service.js';
import { createAccessTracker } from '../cache/access-tracker.js';
import { createMetrics, type ServeMetrics } from './metrics.js';
import { renditionRoutes, PLAYLIST_TYPE, SEGMENT_TYPE, type Served } from './rendition-routes.js';
import { sendFile, sendText } from './http/static-file.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { sweepTemp } from '../cache/temp-sweep.js';
import { createMasterProxy } from '../masters/master-proxy.js';
import { sendPlayerScript, statusPage } from './status/status-page.js';

export interface Origin {
  readonly server: http.Server;
  readonly store: RenditionStore;
  readonly metrics: ServeMetrics;
  listen(): Promise<AddressInfo>;
  close(graceMs?: number): Promise<void>;
}

export interface OriginOptions {
  readonly logger?: Logger;
  readonly bento4?: Bento4;
}

const CLIENT_CLOSED = 499;
const CORS_EXPOSE = 'Content-Length, Content-Range, ETag, X-Casterpak-Cache';

function sendError(res: ServerResponse, status: number, reason: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy(); // a response already under way cannot change its status: cut it so the client sees it failed
    return;
  }
  const body = `${status} ${http.STATUS_CODES[status] ?? ''}: ${reason}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export async function createOrigin(config: CasterpakConfig, options: OriginOptions = {}): Promise<Origin> {
  const logger = options.logger ?? createLogger(config.serve.logLevel);
  const bento4 = options.bento4 ?? locateBento4(config.bento4.binDir, config.bento4.timeoutMs);
  const layout = cacheLayout(config.cacheDir);
  await sweepTemp(layout, leftoverMaxAgeMs(config));
  const metrics = createMetrics();
  const shutdown = new AbortController();
  const limiter = new JobLimiter(config.serve.maxJobs, config.serve.maxQueue);
  const store = new RenditionStore({
    bento4,
    layout,
    segmentDuration: config.segmentDuration,
    publicBaseUrl: config.publicBaseUrl,
    failureTtlMs: config.serve.failureTtlMs,
    limiter,
    signal: shutdown.signal,
    resolveSource: createSourceResolver({ sourceRoot: config.sourceRoot, upstream: config.upstream, layout, download: config.download }),
    onPackaging: (event) => {
      metrics.packagingRuns.inc({ outcome: event.outcome });
      metrics.packagingSeconds.observe(event.durationMs / 1000);
      const fields = { rendition: event.renditionPath, outcome: event.outcome, durationMs: event.durationMs };
      if (event.error) logger.warn('packaging failed', { ...fields, reason: oneLine(event.error) });
      else logger.info('packaged', fields);
    },
  });
  const kfonly = createIFramePlaylistService();
  const tracker = createAccessTracker();
  const routes = renditionRoutes({ config, store, kfonly, tracker, logger });
  // Variant paths of a proxied master (`/i/<rendition>/index_0_av.m3u8`) answered from this origin.
  const localIFrameInfo = async (variantPath: string) => {
    const routed = routeRequest(variantPath.split('?')[0], '', { mediaExtensions: config.mediaExtensions, masterPrefix: config.serve.masterPrefix });
    if (!routed.ok || routed.route.kind !== 'index') throw new CasterpakError('NOT_FOUND', `${variantPath} is not a casterpak rendition`);
    return routes.iframeInfo(routed.route.renditionPath);
  };
  const masterProxy = config.serve.masterUpstream
    ? createMasterProxy({
        upstream: config.serve.masterUpstream,
        baseUrl: config.publicBaseUrl ?? '',
        ttlMs: config.serve.masterCacheTtlMs,
        timeoutMs: 10_000,
        maxBytes: 1024 * 1024,
        pathPatterns: config.rewrite.pathPatterns.map((p) => new RegExp(p)),
        hosts: config.rewrite.hosts,
        trickPlay: config.serve.masterTrickPlay ? localIFrameInfo : undefined,
        onWarning: (line) => logger.warn('master trick play', { reason: line }),
      })
    : null;
  const started = Date.now();

  async function published(req: IncomingMessage, res: ServerResponse, route: Extract<Route, { kind: 'published' | 'published-kfonly' }>): Promise<Served> {
    const root = config.publishedRoot;
    if (root === null) throw new CasterpakError('NOT_FOUND', 'no published root configured');
    if (route.kind === 'published') {
      const file = await realPathInside(root, route.path);
      if (file === null) throw new CasterpakError('NOT_FOUND', 'no such published file');
      const type = file.endsWith('.ts') ? SEGMENT_TYPE : PLAYLIST_TYPE;
      return sendFile(req, res, file, { contentType: type, cacheControl: type === SEGMENT_TYPE ? config.serve.cacheControl.segment : config.serve.cacheControl.playlist });
    }
    const relative = route.dir ? `${route.dir}/${route.name}` : route.name;
    const source = await realPathInside(root, relative);
    if (source === null) throw new CasterpakError('NOT_FOUND', 'no such published playlist');
    const output = path.join(layout.publishedDir(), ...relative.split('/').slice(0, -1), 'kfonly', route.name);
    const realRoot = (await realPathInside(root, '.')) ?? root;
    const { file, created } = await kfonly.ensure(source, output, { root: realRoot, followSource: true });
    const result = await sendFile(req, res, file, { contentType: PLAYLIST_TYPE, cacheControl: config.serve.cacheControl.playlist, headers: { 'X-Casterpak-Cache': created ? 'MISS' : 'HIT' } });
    tracker.touch(file);
    return result;
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, route: Route): Promise<Served> {
    switch (route.kind) {
      case 'healthz':
        return sendText(req, res, 'ok\n', { contentType: 'text/plain; charset=utf-8', cacheControl: 'no-store' });
      case 'metrics':
        metrics.queueDepth.set(limiter.queued);
        metrics.activeJobs.set(limiter.active);
        return sendText(req, res, await metrics.registry.metrics(), { contentType: metrics.registry.contentType, cacheControl: 'no-store' });
      case 'status':
        return sendText(req, res, await statusPage({ layout, metrics, startedAt: started }), { contentType: 'text/html; charset=utf-8', cacheControl: 'no-store' });
      case 'player-script':
        return sendPlayerScript(req, res);
      case 'index':
        return routes.index(req, res, route.renditionPath);
      case 'segment':
        return routes.segment(req, res, route.renditionPath, route.segment);
      case 'kfonly':
        return routes.kfonly(req, res, route.renditionPath);
      case 'master':
        return routes.master(req, res, route.renditionPath);
      case 'csmil':
        return routes.csmil(req, res, route.renditionPaths);
      case 'published':
      case 'published-kfonly':
        return published(req, res, route);
      case 'master-proxy': {
        if (!masterProxy) throw new CasterpakError('NOT_FOUND', 'no master upstream configured');
        const { text, cached } = await masterProxy.get(route.pathAndQuery);
        return { ...(await sendText(req, res, text, { contentType: PLAYLIST_TYPE, cacheControl: config.serve.cacheControl.master })), cache: cached ? 'HIT' : 'MISS' };
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const begin = performance.now();
    const id = randomBytes(6).toString('hex');
    const raw = req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const rawPath = queryAt < 0 ? raw : raw.slice(0, queryAt);
    const rawQuery = queryAt < 0 ? '' : raw.slice(queryAt + 1);
    res.setHeader('Access-Control-Allow-Origin', config.serve.corsOrigin);
    res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE);
    res.setHeader('X-Request-Id', id);
    let routeName = 'unknown';
    let status = 500;
    let cache: string | undefined;
    let bytes = 0;
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': 'Range, If-None-Match, If-Modified-Since, If-Range', 'Access-Control-Max-Age': '86400', 'Content-Length': 0 });
        res.end();
        status = 204;
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        status = 405;
        sendError(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD, OPTIONS' });
        return;
      }
      const routed = routeRequest(rawPath, rawQuery, { mediaExtensions: config.mediaExtensions, masterPrefix: config.serve.masterPrefix });
      if (!routed.ok) {
        status = routed.status;
        sendError(res, status, routed.reason);
        return;
      }
      routeName = routed.route.kind;
      const served = await dispatch(req, res, routed.route);
      status = served.status;
      bytes = served.bytes;
      cache = served.cache;
      if (cache) metrics.cache.inc({ result: cache });
    } catch (error) {
      if ((error as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE' || (res.headersSent && res.destroyed)) {
        // The client went away mid-response (nginx logs 499): not a failure of ours.
        status = CLIENT_CLOSED;
        res.destroy();
        return;
      }
      const errno = (error as NodeJS.ErrnoException)?.code;
      status = errno === 'ENOENT' ? 404 : errno === 'ENOSPC' ? 507 : httpStatusFor(error);
      const reason = isCasterpakError(error) ? error.message : status === 404 ? 'not found' : status === 507 ? 'no space left in the cache' : 'internal error';
      if (status >= 500 && !isCasterpakError(error)) logger.error('request failed', { id, error: String((error as Error)?.stack ?? error) });
      sendError(res, status, reason, status === 503 ? { 'Retry-After': '5' } : {});
      if (status >= 400) logger.info('refused', { id, route: routeName, status, reason: oneLine(reason) });
    } finally {
      metrics.requests.inc({ route: routeName, status: String(status) });
      metrics.bytesServed.inc(bytes);
      logger.info('request', { id, method: req.method, path: rawPath.slice(0, 300), route: routeName, status, cache, bytes, ms: Math.round(performance.now() - begin) });
    }
  }

  const server = http.createServer({ maxHeaderSize: 16 * 1024, requestTimeout: config.serve.requestTimeoutMs, headersTimeout: 15_000, keepAliveTimeout: 5_000 }, (req, res) => {
    res.on('error', () => {}); // a client that goes away mid-response is not an error of ours
    handle(req, res).catch((error) => {
      logger.error('unexpected handler failure', { error: String(error) });
      if (!res.writableEnded) res.destroy();
    });
  });
  server.on('clientError', (error, socket) => {
    if (socket.writable && !(error as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
      const status = (error as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else socket.destroy();
  });

  return {
    server,
    store,
    metrics,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.serve.port, config.serve.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    // Stop accepting, let in-flight responses finish, kill packaging children (their temporary
    // output is removed by the packager), then resolve.
    close: async (graceMs = 10_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdown.abort();
      // Keep-alive connections become idle as their last response ends: close them as they do.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(idle);
      clearTimeout(timer);
    },
  };
}
