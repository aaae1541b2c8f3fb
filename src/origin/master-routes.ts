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
import { buildMaster, mpegTsCodec, type MasterVariant } from '../masters/master-build.js';
import { csmilMismatches, type CsmilMember } from '../masters/csmil-check.js';
import { createMasterProxy } from '../masters/master-proxy.js';
import type { IFrameInfo } from '../masters/master-rewrite.js';
import { sendText } from './http/static-file.js';
import { routeRequest, type RouteOf } from './request-path.js';
import type { CacheStatus } from '../packaging/rendition-store.js';
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
  const master = async (text: string, req: IncomingMessage, res: ServerResponse, cache?: CacheStatus): Promise<Served> => {
    const headers = cache ? { 'X-Casterpak-Cache': cache } : undefined;
    return { ...(await sendText(req, res, text, { ...deliveryFor('master', '', config.serve.cacheControl), headers })), cache };
  };

  // One rendition's variant, with how it was found (a MISS when this request packaged anything:
  // the status page's hit ratio counts every packaging run's trigger) and what a .csmil compares.
  async function variant(renditionPath: string, relative: string): Promise<{ variant: MasterVariant; cache: CacheStatus; member: CsmilMember }> {
    let cache = (await store.ensure(renditionPath)).status;
    const rendition = await renditions.info(renditionPath);
    const video = videoTrack(rendition.media);
    const audio = audioTrack(rendition.media);
    const codecs = [video && mpegTsCodec(video.codec), audio?.codec].filter((c): c is string => Boolean(c));
    const resolution = video?.width && video.height ? { width: video.width, height: video.height } : undefined;
    const base = config.publicBaseUrl ? renditionUrl(renditionPath, config.publicBaseUrl) : relative;
    let iframe: MasterVariant['iframe'];
    if (video) {
      // Predicted from the moov when the rendition was answered from it; else measured on the I-frame playlist.
      let rates = rendition.iframeBitrate;
      if (!rates) {
        const made = await renditions.ensureIFramePlaylist(renditionPath);
        if (cache === 'HIT') cache = made.cache;
        rates = await deps.iframePlaylists.bitrates(made.file);
      }
      iframe = { bandwidth: rates.peak, averageBandwidth: rates.average, codecs: videoCodecs(codecs.join(',')), resolution, uri: `${base}${KFONLY_DIR}/${INDEX_PLAYLIST}` };
    }
    return {
      variant: { uri: `${base}${INDEX_PLAYLIST}`, bandwidth: rendition.peakBitrate, averageBandwidth: rendition.averageBitrate, codecs, resolution, frameRate: video?.frameRate, iframe },
      cache,
      member: { renditionPath, durationMs: rendition.durationMs, frameRate: video?.frameRate, audio: audio?.codec },
    };
  }

  // What a rewritten third-party master needs to advertise one of this origin's renditions'
  // trick-play stream; `variantPath` is `/i/<rendition>/index_0_av.m3u8`.
  async function iframeInfo(variantPath: string): Promise<IFrameInfo> {
    const routed = routeRequest(variantPath.split('?')[0], '', { mediaExtensions: config.mediaExtensions, masterPrefix: config.serve.masterPrefix });
    if (!routed.ok || routed.route.kind !== 'index') throw new CasterpakError('NOT_FOUND', `${variantPath} is not a casterpak rendition`);
    const { iframe } = (await variant(routed.route.renditionPath, '')).variant;
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

  // Players given renditions that differ report different durations or stall on a switch: told
  // once per combination (a master is asked for often), naming the rendition that differs.
  const warned = new Set<string>();
  function warnMismatches(members: readonly CsmilMember[]): void {
    const key = members.map((m) => m.renditionPath).join('\n');
    if (warned.has(key)) return;
    if (warned.size >= 1000) warned.clear();
    warned.add(key);
    for (const mismatch of csmilMismatches(members)) deps.logger.warn('csmil renditions differ', { ...mismatch });
  }

  return {
    master: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'master'>): Promise<Served> => {
      const made = await variant(route.renditionPath, '');
      return master(buildMaster([made.variant]), req, res, made.cache);
    },

    // Renditions whose source is missing are left out; with none left, 404.
    csmil: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'csmil'>): Promise<Served> => {
      const settled = await Promise.allSettled(route.renditionPaths.map((p) => variant(p, `../${path.posix.basename(p)}/`)));
      const made: Array<{ variant: MasterVariant; cache: CacheStatus; member: CsmilMember }> = [];
      let firstError: unknown;
      settled.forEach((result, i) => {
        if (result.status === 'fulfilled') made.push(result.value);
        else {
          firstError ??= result.reason;
          deps.logger.warn('csmil rendition left out', { rendition: route.renditionPaths[i], reason: isCasterpakError(result.reason) ? result.reason.message : String(result.reason) });
        }
      });
      if (made.length === 0) throw isCasterpakError(firstError) && firstError.code !== 'NOT_FOUND' ? firstError : new CasterpakError('NOT_FOUND', 'none of the renditions has a source');
      warnMismatches(made.map((m) => m.member));
      const cache = made.some((m) => m.cache === 'MISS') ? 'MISS' : made.some((m) => m.cache === 'WAIT') ? 'WAIT' : 'HIT';
      return master(buildMaster(made.map((m) => m.variant)), req, res, cache);
    },

    'master-proxy': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'master-proxy'>): Promise<Served> => {
      if (!proxy) throw new CasterpakError('NOT_FOUND', 'no master upstream configured');
      const { text, cached } = await proxy.get(route.pathAndQuery);
      return master(text, req, res, cached ? 'HIT' : 'MISS');
    },
  };
}
