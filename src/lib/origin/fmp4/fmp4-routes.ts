// The routes of the fMP4 form and of DASH (docs/formats.md): `<rendition>/fmp4/master.m3u8`, its
// playlists, init and media segments (served from disk when cached, else made first by
// packaging/fmp4/fmp4-renditions.ts), `<rendition>/manifest.mpd` and `<.csmil>/manifest.mpd`
// (made from the moov on each request, like masters), and the fMP4 variant an HEVC source's
// MPEG-TS master gets.
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasterpakError, isCasterpakError } from '../../shared/errors.js';
import type { CasterpakConfig } from '../../config/schema.js';
import type { RenditionInfo } from '../../cache/rendition-info.js';
import { renditionUrl } from '../../cache/rendition-path.js';
import { subtitlePlaylistName, FMP4_DIR, fmp4InitName, fmp4PlaylistName, fmp4SegmentName, fmp4SegmentTemplate } from '../../cache/names.js';
import { buildMpd, type MpdRepresentation } from '../../formats/fmp4/mpd.js';
import type { Fmp4Rendition } from '../../formats/fmp4/tracks.js';
import { videoTrack } from '../../packaging/mp4info.js';
import type { Fmp4Renditions } from '../../packaging/fmp4/fmp4-renditions.js';
import type { CacheStatus, RenditionStore } from '../../packaging/rendition-store.js';
import { subtitleMediaLines } from '../../masters/audio-groups.js';
import type { SubtitleRenditions } from '../../packaging/store/subtitle-requests.js';
import { buildFmp4Master, wantsFmp4Variant, withFmp4Variants } from '../../masters/fmp4-master.js';
import { sendCachedOrMade, sendFile, sendSmallFile, sendText } from '../http/static-file.js';
import type { SmallFileCache } from '../http/small-files.js';
import type { RouteOf } from '../request-path.js';
import { deliveryFor } from '../routes.js';
import type { Served } from '../handler.js';

interface Fmp4RoutesDeps {
  readonly config: CasterpakConfig;
  readonly store: RenditionStore;
  readonly fmp4: Fmp4Renditions;
  readonly smallFiles: SmallFileCache;
  readonly subtitles?: SubtitleRenditions;
}

type FileRoute = RouteOf<'fmp4-index' | 'fmp4-init' | 'fmp4-segment'>;

export function fmp4Routes(deps: Fmp4RoutesDeps) {
  const { config, store, fmp4 } = deps;
  // The URL of a rendition's directory as a manifest at `relative` from it names it.
  const baseOf = (renditionPath: string, relative: string) =>
    config.publicBaseUrl ? renditionUrl(renditionPath, config.publicBaseUrl) : relative;

  // The cached file when it is there (the warm path opens it at once), else made and sent.
  async function send(
    req: IncomingMessage,
    res: ServerResponse,
    route: FileRoute,
    name: string,
    make: () => Promise<{ file: string; status: CacheStatus }>,
  ): Promise<Served> {
    const delivery = deliveryFor(route.kind, name, config.serve.cacheControl);
    // RFC 4337 §2: audio/mp4 for a file holding audio alone.
    const contentType = route.kind !== 'fmp4-index' && route.ref !== 'v' ? 'audio/mp4' : delivery.contentType;
    const sendOne = (file: string, cache: CacheStatus) => {
      const options = { ...delivery, contentType, headers: { 'X-Casterpak-Cache': cache } };
      return route.kind === 'fmp4-index' ? sendSmallFile(req, res, file, options, deps.smallFiles) : sendFile(req, res, file, options);
    };
    const known = store.known(route.renditionPath)?.dir;
    return sendCachedOrMade(known === undefined ? null : path.join(known, FMP4_DIR, name), sendOne, make);
  }

  const manifest = async (
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'fmp4-master' | 'dash' | 'dash-csmil',
    text: string,
  ): Promise<Served> => sendText(req, res, text, deliveryFor(kind, '', config.serve.cacheControl));

  const representations = (renditions: readonly Fmp4Rendition[], base: string): MpdRepresentation[] =>
    renditions.map((rendition) => ({ rendition, base, init: fmp4InitName(rendition.ref), media: fmp4SegmentTemplate(rendition.ref) }));

  // The members that can be served; none: the first failure (a 404 when it was one).
  async function csmilMembers(renditionPaths: readonly string[]) {
    const settled = await Promise.allSettled(renditionPaths.map(async (p) => ({ p, ...(await fmp4.describe(p)) })));
    const members = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (members.length > 0) return members;
    const first = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason as unknown;
    throw isCasterpakError(first) ? first : new CasterpakError('NOT_FOUND', 'none of the renditions can be served');
  }

  return {
    handlers: {
      'fmp4-index': (req: IncomingMessage, res: ServerResponse, route: RouteOf<'fmp4-index'>) =>
        send(req, res, route, fmp4PlaylistName(route.ref), () => fmp4.playlist(route.renditionPath, route.ref)),
      'fmp4-init': (req: IncomingMessage, res: ServerResponse, route: RouteOf<'fmp4-init'>) =>
        send(req, res, route, fmp4InitName(route.ref), () => fmp4.init(route.renditionPath, route.ref)),
      'fmp4-segment': (req: IncomingMessage, res: ServerResponse, route: RouteOf<'fmp4-segment'>) =>
        send(req, res, route, fmp4SegmentName(route.segment, route.ref), () => fmp4.segment(route.renditionPath, route.ref, route.segment)),
      'fmp4-kfonly': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'fmp4-kfonly'>) =>
        sendText(req, res, await fmp4.iframePlaylist(route.renditionPath), deliveryFor(route.kind, '', config.serve.cacheControl)),
      'fmp4-master': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'fmp4-master'>) => {
        const { renditions } = await fmp4.describe(route.renditionPath);
        const base = config.publicBaseUrl ? `${baseOf(route.renditionPath, '')}${FMP4_DIR}/` : '';
        // The rendition's WebVTT subtitles (docs/tracks.md), one directory up; none when they cannot be listed.
        const subtitles = (await deps.subtitles?.list(route.renditionPath).catch(() => [])) ?? [];
        const lines = subtitleMediaLines(subtitles, baseOf(route.renditionPath, '../'), subtitlePlaylistName);
        return manifest(req, res, 'fmp4-master', buildFmp4Master(renditions, base, lines));
      },
      dash: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'dash'>) => {
        const { renditions, durationMs } = await fmp4.describe(route.renditionPath);
        return manifest(
          req,
          res,
          'dash',
          buildMpd(representations(renditions, `${baseOf(route.renditionPath, '')}${FMP4_DIR}/`), durationMs),
        );
      },
      'dash-csmil': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'dash-csmil'>) => {
        const members = await csmilMembers(route.renditionPaths);
        const reps = members.flatMap((m) => representations(m.renditions, `${baseOf(m.p, `../${path.posix.basename(m.p)}/`)}${FMP4_DIR}/`));
        return manifest(req, res, 'dash-csmil', buildMpd(reps, Math.max(...members.map((m) => m.durationMs))));
      },
    },

    // An HEVC source's MPEG-TS master (its directory at `base`) with its fMP4 form's variant added
    // (masters/fmp4-master.ts); any other master, or one whose fMP4 form cannot be made, unchanged.
    async withHevcVariant(info: RenditionInfo, base: string, text: string): Promise<string> {
      if (info.derived || videoTrack(info.media)?.codingName !== 'hvc1') return text;
      const described = await fmp4.describe(info.renditionPath).catch(() => null);
      return described && wantsFmp4Variant(described.renditions)
        ? withFmp4Variants(text, described.renditions, `${base}${FMP4_DIR}/`)
        : text;
    },
  };
}
