// The masters this origin answers: `master.m3u8` of one rendition, Akamai `.csmil` of several,
// and third-party masters proxied from `serve.masterUpstream` (/p/), rewritten to point here.
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasterpakError, isCasterpakError } from '../shared/errors.js';
import type { CasterpakConfig } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import { INDEX_PLAYLIST, KFONLY_DIR } from '../cache/names.js';
import { renditionUrl } from '../cache/rendition-path.js';
import { audioTrack, videoTrack } from '../packaging/mp4info.js';
import type { RenditionStore } from '../packaging/rendition-store.js';
import type { IFramePlaylistService } from '../trick-play/iframe-playlist-service.js';
import { videoCodecs } from '../trick-play/iframe-variant.js';
import { buildMaster, type MasterVariant } from '../masters/master-build.js';
import { createMasterProxy } from '../masters/master-proxy.js';
import type { IFrameInfo } from '../masters/master-rewrite.js';
import { sendText } from './http/static-file.js';
import { routeRequest, type RouteOf } from './request-path.js';
import type { RenditionRoutes } from './rendition-routes.js';
import { deliveryFor } from './routes.js';
import type { Served } from './handler.js';

export interface MasterRoutesDeps {
  readonly config: CasterpakConfig;
  readonly store: RenditionStore;
  readonly renditions: RenditionRoutes;
  readonly iframePlaylists: IFramePlaylistService;
  readonly logger: Logger;
}

export function masterRoutes(deps: MasterRoutesDeps) {
  const { config, store, renditions } = deps;
  const master = (text: string, req: IncomingMessage, res: ServerResponse) => sendText(req, res, text, deliveryFor('master', '', config.serve.cacheControl));

  async function variant(renditionPath: string, relative: string): Promise<MasterVariant> {
    await store.ensure(renditionPath);
    const rendition = await renditions.info(renditionPath);
    const video = videoTrack(rendition.media);
    const audio = audioTrack(rendition.media);
    const codecs = [video?.codec, audio?.codec].filter((c): c is string => Boolean(c));
    const resolution = video?.width && video.height ? { width: video.width, height: video.height } : undefined;
    const base = config.publicBaseUrl ? renditionUrl(renditionPath, config.publicBaseUrl) : relative;
    let iframe: MasterVariant['iframe'];
    if (video) {
      // Predicted from the moov when the rendition was answered from it; else measured on the I-frame playlist.
      const rates = rendition.iframeBitrate ?? (await deps.iframePlaylists.bitrates((await renditions.ensureIFramePlaylist(renditionPath)).file));
      iframe = { bandwidth: rates.peak, averageBandwidth: rates.average, codecs: videoCodecs(codecs.join(',')), resolution, uri: `${base}${KFONLY_DIR}/${INDEX_PLAYLIST}` };
    }
    return { uri: `${base}${INDEX_PLAYLIST}`, bandwidth: rendition.peakBitrate, averageBandwidth: rendition.averageBitrate, codecs, resolution, frameRate: video?.frameRate, iframe };
  }

  // What a rewritten third-party master needs to advertise one of this origin's renditions'
  // trick-play stream; `variantPath` is `/i/<rendition>/index_0_av.m3u8`.
  async function iframeInfo(variantPath: string): Promise<IFrameInfo> {
    const routed = routeRequest(variantPath.split('?')[0], '', { mediaExtensions: config.mediaExtensions, masterPrefix: config.serve.masterPrefix });
    if (!routed.ok || routed.route.kind !== 'index') throw new CasterpakError('NOT_FOUND', `${variantPath} is not a casterpak rendition`);
    const { iframe } = await variant(routed.route.renditionPath, '');
    if (!iframe) throw new CasterpakError('NOT_FOUND', `${routed.route.renditionPath} has no video`);
    return { bitrates: { peak: iframe.bandwidth, average: iframe.averageBandwidth ?? iframe.bandwidth }, codecs: iframe.codecs, resolution: iframe.resolution };
  }

  const proxy = config.serve.masterUpstream
    ? createMasterProxy({
        upstream: config.serve.masterUpstream,
        baseUrl: config.publicBaseUrl ?? '',
        ttlMs: config.serve.masterCacheTtlMs,
        timeoutMs: 10_000,
        maxBytes: 1024 * 1024,
        pathPatterns: config.rewrite.pathPatterns.map((p) => new RegExp(p)),
        hosts: config.rewrite.hosts,
        trickPlay: config.serve.masterTrickPlay ? iframeInfo : undefined,
        onWarning: (line) => deps.logger.warn('master trick play', { reason: line }),
      })
    : null;

  return {
    master: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'master'>): Promise<Served> =>
      master(buildMaster([await variant(route.renditionPath, '')]), req, res),

    // Renditions whose source is missing are left out; with none left, 404.
    csmil: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'csmil'>): Promise<Served> => {
      const settled = await Promise.allSettled(route.renditionPaths.map((p) => variant(p, `../${path.posix.basename(p)}/`)));
      const variants: MasterVariant[] = [];
      let firstError: unknown;
      settled.forEach((result, i) => {
        if (result.status === 'fulfilled') variants.push(result.value);
        else {
          firstError ??= result.reason;
          deps.logger.warn('csmil rendition left out', { rendition: route.renditionPaths[i], reason: isCasterpakError(result.reason) ? result.reason.message : String(result.reason) });
        }
      });
      if (variants.length === 0) throw isCasterpakError(firstError) && firstError.code !== 'NOT_FOUND' ? firstError : new CasterpakError('NOT_FOUND', 'none of the renditions has a source');
      return master(buildMaster(variants), req, res);
    },

    'master-proxy': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'master-proxy'>): Promise<Served> => {
      if (!proxy) throw new CasterpakError('NOT_FOUND', 'no master upstream configured');
      const { text, cached } = await proxy.get(route.pathAndQuery);
      return { ...(await master(text, req, res)), cache: cached ? 'HIT' : 'MISS' };
    },
  };
}
