// The masters this origin answers: `master.m3u8` of one rendition, Akamai `.csmil` of several,
// and third-party masters proxied from `serve.masterUpstream` (/p/), rewritten to point here.
// Derived renditions (docs/renditions.md) are listed from their moov-made playlists, never
// transcoded for a master, and get no I-frame variant: their I-frame playlist would need every
// segment transcoded, so trick play comes from the source rendition.
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasterpakError, isCasterpakError } from '../shared/errors.js';
import type { CasterpakConfig } from '../config/schema.js';
import type { RenditionInfo } from '../cache/rendition-info.js';
import { derivedPath, profilesBelow } from '../renditions/ladder-plan.js';
import type { Logger } from '../shared/logger.js';
import { masterWarnings } from '../masters/master-warnings.js';
import { renditionUrl } from '../cache/rendition-path.js';
import type { RenditionStore } from '../packaging/rendition-store.js';
import type { IFramePlaylistService } from '../trick-play/iframe-playlist-service.js';
import { buildMaster, type MasterVariant } from '../masters/master-build.js';
import { audioRenditionsOf, subtitleMediaLines } from '../masters/audio-groups.js';
import type { SubtitleRenditions } from '../packaging/store/subtitle-requests.js';
import { subtitlePlaylistName } from '../cache/names.js';
import { csmilMemberOf, derivedVariantOf, hasIFrameVariant, pictureOf, renditionVariant } from '../masters/rendition-variant.js';
import { csmilMismatches, type CsmilMember } from '../masters/csmil-check.js';
import { createMasterProxy, type LadderResolver } from '../masters/master-proxy.js';
import type { IFrameInfo } from '../masters/master-rewrite.js';
import { sendText } from './http/static-file.js';
import { routeRequest, type RouteOf } from './request-path.js';
import type { CacheStatus } from '../packaging/rendition-store.js';
import type { RenditionRoutes } from './rendition-routes.js';
import { deliveryFor } from './routes.js';
import type { Served } from './handler.js';

interface MasterRoutesDeps {
  readonly config: CasterpakConfig;
  readonly store: RenditionStore;
  readonly renditions: RenditionRoutes;
  readonly iframePlaylists: IFramePlaylistService;
  readonly subtitles?: SubtitleRenditions;
  readonly logger: Logger;
  /** An HEVC source's master with its fMP4 variant added (fmp4/fmp4-routes.ts). */
  readonly withHevcVariant?: (info: RenditionInfo, base: string, master: string) => Promise<string>;
}

interface Made {
  readonly variant: MasterVariant;
  readonly base: string; // the rendition's directory URL, relative to the master
  readonly cache: CacheStatus;
  readonly member: CsmilMember;
  readonly info: RenditionInfo;
}

const reasonOf = (error: unknown) => (isCasterpakError(error) ? error.message : String(error));
// The audio groups come from the first rendition that has them: derived renditions never
// re-encode audio, so they share their source's (docs/tracks.md).
const audioOf = (made: readonly Made[]) => made.map((m) => audioRenditionsOf(m.info, m.base)).find((a) => a.length > 0) ?? [];
const worst = (made: readonly Made[]): CacheStatus =>
  made.some((m) => m.cache === 'MISS') ? 'MISS' : made.some((m) => m.cache === 'WAIT') ? 'WAIT' : 'HIT';

export function masterRoutes(deps: MasterRoutesDeps) {
  const { config, store, renditions } = deps;
  const { warnOnce, warnIfSideways } = masterWarnings(deps.logger);
  // The subtitles of the first source rendition that has any; one that cannot list them is told once.
  async function subtitlesOf(made: readonly Made[]): Promise<string[]> {
    for (const { info, base } of made.filter((m) => deps.subtitles && !m.info.derived)) {
      const rendition = info.renditionPath;
      const warn = (error: unknown) =>
        warnOnce(`subtitles\n${rendition}`, 'subtitles left out of the master', { rendition, reason: reasonOf(error) });
      const listed = await deps.subtitles!.list(rendition).catch((error: unknown) => (warn(error), []));
      if (listed.length > 0) return subtitleMediaLines(listed, base, subtitlePlaylistName);
    }
    return [];
  }
  const master = async (text: string, req: IncomingMessage, res: ServerResponse, cache?: CacheStatus): Promise<Served> => {
    const headers = cache ? { 'X-Casterpak-Cache': cache } : undefined;
    return { ...(await sendText(req, res, text, { ...deliveryFor('master', '', config.serve.cacheControl), headers })), cache };
  };

  // One rendition's variant, with how it was found (a MISS when this request packaged anything:
  // the status page's hit ratio counts every packaging run's trigger) and what a .csmil compares.
  async function variant(renditionPath: string, relative: string): Promise<Made> {
    let cache = (await store.ensure(renditionPath)).status;
    const info = await renditions.info(renditionPath);
    const base = config.publicBaseUrl ? renditionUrl(renditionPath, config.publicBaseUrl) : relative;
    // Predicted from the moov when the rendition was answered from it; else measured on the I-frame playlist.
    let rates = hasIFrameVariant(info) ? info.iframeBitrate : undefined;
    if (hasIFrameVariant(info) && !rates) {
      const made = await renditions.ensureIFramePlaylist(renditionPath);
      if (cache === 'HIT') cache = made.cache;
      rates = await deps.iframePlaylists.bitrates(made.file);
    }
    return { variant: renditionVariant(info, base, rates), base, cache, member: csmilMemberOf(renditionPath, info), info };
  }

  // The ladder's profiles below a real rendition's picture (never an upscale), each made from
  // the moov alone; one that cannot be made (no usable ffmpeg, …) is left out and told once.
  async function ladderOf(
    renditionPath: string,
    info: RenditionInfo,
    relativeOf: (derived: string) => string,
  ): Promise<Array<Made & { profile: string }>> {
    const size = pictureOf(info);
    if (info.derived || size === null) return [];
    const names = profilesBelow(config.renditions.ladder, size);
    const settled = await Promise.allSettled(names.map((name) => derivedPath(renditionPath, name)).map((p) => variant(p, relativeOf(p))));
    warnIfSideways(renditionPath, size, settled);
    return settled.flatMap((result, i) => {
      if (result.status === 'fulfilled') return [{ ...result.value, profile: names[i] }];
      warnOnce(`ladder\n${renditionPath}\n${names[i]}`, 'derived rendition left out of the master', {
        rendition: derivedPath(renditionPath, names[i]),
        reason: reasonOf(result.reason),
      });
      return [];
    });
  }

  function indexRoute(variantPath: string): string {
    const routed = routeRequest(variantPath.split('?')[0], '', {
      mediaExtensions: config.mediaExtensions,
      masterPrefix: config.serve.masterPrefix,
    });
    if (!routed.ok || routed.route.kind !== 'index') throw new CasterpakError('NOT_FOUND', `${variantPath} is not a casterpak rendition`);
    return routed.route.renditionPath;
  }

  // What a rewritten third-party master needs to advertise one of this origin's renditions'
  // trick-play stream; `variantPath` is `/i/<rendition>/index_0_av.m3u8`.
  async function iframeInfo(variantPath: string): Promise<IFrameInfo> {
    const renditionPath = indexRoute(variantPath);
    const made = await variant(renditionPath, '');
    const iframe = made.variant.iframe;
    if (made.info.derived)
      throw new CasterpakError(
        'NOT_FOUND',
        `${renditionPath} is derived: trick play is served from the source rendition ${made.info.derived.source}`,
      );
    if (!iframe) throw new CasterpakError('NOT_FOUND', `${renditionPath} has no video`);
    return {
      bitrates: { peak: iframe.bandwidth, average: iframe.averageBandwidth ?? iframe.bandwidth },
      codecs: iframe.codecs,
      resolution: iframe.resolution,
    };
  }

  // What a rewritten third-party master needs to add the ladder below one of this origin's renditions.
  // Its playlist and info only (a moov read at most): the picture needs no I-frame playlist.
  const infoOf = async (variantPath: string) => {
    const renditionPath = indexRoute(variantPath);
    await store.ensure(renditionPath);
    return { renditionPath, info: await renditions.info(renditionPath) };
  };
  const ladderResolver: LadderResolver = {
    size: async (variantPath) => {
      const { info } = await infoOf(variantPath);
      return info.derived ? null : pictureOf(info);
    },
    variants: async (variantPath) => {
      const { renditionPath, info } = await infoOf(variantPath);
      const made = await ladderOf(renditionPath, info, () => '');
      return made.flatMap(({ profile, variant: v }) => derivedVariantOf(profile, v) ?? []);
    },
  };

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
        ladder: config.serve.masterLadder
          ? {
              profiles: config.renditions.ladder,
              segmentDuration: config.segmentDuration,
              mediaExtensions: config.mediaExtensions,
              resolver: ladderResolver,
            }
          : undefined,
        onWarning: (line) => deps.logger.warn('proxied master', { reason: line }),
      })
    : null;

  // Players given renditions that differ report different durations or stall on a switch: told
  // once per combination (a master is asked for often), naming the rendition that differs.
  function warnMismatches(members: readonly CsmilMember[]): void {
    const key = members.map((m) => m.renditionPath).join('\n');
    for (const mismatch of csmilMismatches(members)) warnOnce(`${key}\n${mismatch.rendition}`, 'csmil renditions differ', { ...mismatch });
  }

  return {
    // With renditions.inMaster, the ladder's profiles below the source follow it.
    master: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'master'>): Promise<Served> => {
      const made = await variant(route.renditionPath, '');
      const ladder = config.renditions.inMaster
        ? await ladderOf(route.renditionPath, made.info, (p) => `../${path.posix.basename(p)}/`)
        : [];
      const all = [made, ...ladder];
      const text = buildMaster(
        all.map((m) => m.variant),
        audioOf(all),
        await subtitlesOf([made]),
      );
      return master((await deps.withHevcVariant?.(made.info, made.base, text)) ?? text, req, res, worst(all));
    },

    // Renditions whose source is missing are left out; with none left, 404.
    csmil: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'csmil'>): Promise<Served> => {
      const settled = await Promise.allSettled(route.renditionPaths.map((p) => variant(p, `../${path.posix.basename(p)}/`)));
      const made: Made[] = [];
      let firstError: unknown;
      settled.forEach((result, i) => {
        if (result.status === 'fulfilled') made.push(result.value);
        else {
          firstError ??= result.reason;
          const [key, rendition] = [`csmil\n${route.renditionPaths.join('\n')}\n${i}`, route.renditionPaths[i]];
          warnOnce(key, 'csmil rendition left out', { rendition, reason: reasonOf(result.reason) });
        }
      });
      if (made.length === 0)
        throw isCasterpakError(firstError) && firstError.code !== 'NOT_FOUND'
          ? firstError
          : new CasterpakError('NOT_FOUND', `none of the renditions can be served: ${reasonOf(firstError)}`);
      warnMismatches(made.map((m) => m.member));
      return master(
        buildMaster(
          made.map((m) => m.variant),
          audioOf(made),
          await subtitlesOf(made),
        ),
        req,
        res,
        worst(made),
      );
    },

    'master-proxy': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'master-proxy'>): Promise<Served> => {
      if (!proxy) throw new CasterpakError('NOT_FOUND', 'no master upstream configured');
      const { text, cached } = await proxy.get(route.pathAndQuery);
      return master(text, req, res, cached ? 'HIT' : 'MISS');
    },
  };
}
