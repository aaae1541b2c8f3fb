// The /i/ routes of a rendition's other tracks (docs/tracks.md): audio renditions
// (`index_0_a<N>.m3u8`, `segment<K>_0_a<N>.ts`), served from disk when cached, else made first
// (packaging/store/audio-requests.ts), and subtitles (`index_0_<id>.m3u8`, `segment<K>_0_<id>.vtt`),
// made in memory (packaging/store/subtitle-requests.ts).
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { audioPlaylistName, audioSegmentName } from '../cache/names.js';
import type { CasterpakConfig } from '../config/schema.js';
import type { AudioRenditions } from '../packaging/store/audio-requests.js';
import type { SubtitleRenditions } from '../packaging/store/subtitle-requests.js';
import type { CacheStatus, RenditionStore } from '../packaging/rendition-store.js';
import { sendCachedOrMade, sendFile, sendSmallFile, sendText } from './http/static-file.js';
import type { SmallFileCache } from './http/small-files.js';
import type { RouteOf } from './request-path.js';
import { deliveryFor } from './routes.js';
import type { Served } from './handler.js';

interface TrackRoutesDeps {
  readonly config: CasterpakConfig;
  readonly store: RenditionStore;
  readonly audio: AudioRenditions;
  readonly subtitles: SubtitleRenditions;
  readonly smallFiles: SmallFileCache;
}

export function trackRoutes(deps: TrackRoutesDeps) {
  const { config, store, audio } = deps;

  // The cached file when it is there (the warm path opens it at once), else made and sent.
  async function send(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteOf<'audio-index' | 'audio-segment'>,
    name: string,
    make: () => Promise<{ file: string; status: CacheStatus }>,
  ): Promise<Served> {
    const playlist = route.kind === 'audio-index';
    const sendOne = (file: string, cache: CacheStatus) => {
      const options = { ...deliveryFor(route.kind, name, config.serve.cacheControl), headers: { 'X-Casterpak-Cache': cache } };
      return playlist ? sendSmallFile(req, res, file, options, deps.smallFiles) : sendFile(req, res, file, options);
    };
    const known = store.known(route.renditionPath)?.dir;
    return sendCachedOrMade(known === undefined ? null : path.join(known, name), sendOne, make);
  }

  // Subtitles are made in memory each time (a few kilobytes of text): no cache status to tell.
  async function text(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteOf<'subtitle-index' | 'subtitle-segment'>,
    body: string,
  ): Promise<Served> {
    return { ...(await sendText(req, res, body, deliveryFor(route.kind, '', config.serve.cacheControl))) };
  }

  return {
    'subtitle-index': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'subtitle-index'>) =>
      text(req, res, route, await deps.subtitles.playlist(route.renditionPath, route.id)),
    'subtitle-segment': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'subtitle-segment'>) =>
      text(req, res, route, await deps.subtitles.segment(route.renditionPath, route.id, route.segment)),
    'audio-index': (req: IncomingMessage, res: ServerResponse, route: RouteOf<'audio-index'>) =>
      send(req, res, route, audioPlaylistName(route.track), () => audio.playlist(route.renditionPath, route.track)),
    'audio-segment': (req: IncomingMessage, res: ServerResponse, route: RouteOf<'audio-segment'>) =>
      send(req, res, route, audioSegmentName(route.segment, route.track), () =>
        audio.segment(route.renditionPath, route.track, route.segment),
      ),
  };
}
