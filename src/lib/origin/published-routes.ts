// /hls/: streams another packager published under `--published-root`, served as they are, and
// their trick play (an I-frame playlist made just in time, kept in the cache's .published/).
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasterpakError } from '../shared/errors.js';
import type { CasterpakConfig } from '../config/schema.js';
import { KFONLY_DIR, type CacheLayout } from '../cache/names.js';
import { realPathInside } from '../packaging/source/source-resolver.js';
import type { IFramePlaylistService } from '../trick-play/iframe-playlist-service.js';
import { sendFile } from './http/static-file.js';
import type { RouteOf } from './request-path.js';
import { deliveryFor } from './routes.js';
import type { Served } from './handler.js';

interface PublishedRoutesDeps {
  readonly config: CasterpakConfig;
  readonly layout: CacheLayout;
  readonly iframePlaylists: IFramePlaylistService;
}

export function publishedRoutes(deps: PublishedRoutesDeps) {
  const { config } = deps;
  const root = () => {
    if (config.publishedRoot === null) throw new CasterpakError('NOT_FOUND', 'no published root configured');
    return config.publishedRoot;
  };
  return {
    published: async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'published'>): Promise<Served> => {
      const file = await realPathInside(root(), route.path);
      if (file === null) throw new CasterpakError('NOT_FOUND', 'no such published file');
      return sendFile(req, res, file, deliveryFor('published', file, config.serve.cacheControl));
    },

    'published-kfonly': async (req: IncomingMessage, res: ServerResponse, route: RouteOf<'published-kfonly'>): Promise<Served> => {
      const relative = route.dir ? `${route.dir}/${route.name}` : route.name;
      const sourcePath = await realPathInside(root(), relative);
      if (sourcePath === null) throw new CasterpakError('NOT_FOUND', 'no such published playlist');
      const output = path.join(deps.layout.publishedDir(), ...relative.split('/').slice(0, -1), KFONLY_DIR, route.name);
      const realRoot = (await realPathInside(root(), '.')) ?? root();
      const { file, created } = await deps.iframePlaylists.ensure(sourcePath, output, { root: realRoot, followSource: true });
      const cache = created ? 'MISS' : 'HIT';
      return {
        ...(await sendFile(req, res, file, {
          ...deliveryFor('published-kfonly', file, config.serve.cacheControl),
          headers: { 'X-Casterpak-Cache': cache },
        })),
        cache,
        file,
      };
    },
  };
}
