// The /i/ routes: a rendition's playlist, segments, I-frame playlist and masters, each made on
// first request through the shared RenditionStore and then served from disk.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasterpakError, isCasterpakError } from '../shared/errors.js';
import type { CasterpakConfig } from '../config/schema.js';
import { INDEX_PLAYLIST, KFONLY_DIR, segmentName } from '../cache/names.js';
import { buildMaster, type MasterVariant } from '../masters/master-build.js';
import { videoCodecs } from '../trick-play/iframe-variant.js';
import { audioTrack, videoTrack } from '../packaging/mp4info.js';
import type { RenditionStore, CacheStatus } from '../packaging/rendition-store.js';
import type { RenditionInfo } from '../packaging/packager.js';
import type { IFramePlaylistService } from '../trick-play/iframe-playlist-service.js';
import type { AccessTracker } from '../cache/access-tracker.js';
import { sendFile, sendText, type SendResult } from './http/static-file.js';
import type { Logger } from '../shared/logger.js';
import type { IFrameInfo } from '../masters/master-rewrite.js';

export const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
export const SEGMENT_TYPE = 'video/mp2t';

export interface RenditionRoutesDeps {
  readonly config: CasterpakConfig;
  readonly store: RenditionStore;
  readonly kfonly: IFramePlaylistService;
  readonly tracker: AccessTracker;
  readonly logger: Logger;
}

export interface Served extends SendResult {
  readonly cache?: CacheStatus;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

// Absolute segment URIs (publicBaseUrl) point at this origin; the I-frame playlist maker reads local files.
const relativeSegments = (text: string) => text.replace(/^https?:\/\/\S*\/(segment\d+_0_av\.ts)$/gm, '$1');

export function renditionRoutes(deps: RenditionRoutesDeps) {
  const { config, store, tracker } = deps;
  const cc = config.serve.cacheControl;
  const infos = new Map<string, RenditionInfo>();

  async function info(renditionPath: string): Promise<RenditionInfo> {
    const known = infos.get(renditionPath);
    if (known) return known;
    const read = await store.info(renditionPath);
    if (!read) throw new CasterpakError('NOT_FOUND', `${renditionPath}: rendition information missing`);
    if (infos.size > 10_000) infos.clear();
    infos.set(renditionPath, read);
    return read;
  }

  // Sends a cached file, opened straight away (the hot path of a warm cache); when it is not
  // there (never made, or pruned), the store makes it and the send is tried once more.
  // `earlier`: how an earlier lookup in the same request was served (a MISS stays a MISS).
  async function sendCached(req: IncomingMessage, res: ServerResponse, renditionPath: string, name: string, segment: number | undefined, type: string, cacheControl: string, earlier: CacheStatus = 'HIT'): Promise<Served> {
    const file = path.join(await store.insideDir(renditionPath), name);
    let cache = earlier;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await sendFile(req, res, file, { contentType: type, cacheControl, headers: { 'X-Casterpak-Cache': cache } });
        tracker.touch(file);
        return { ...result, cache };
      } catch (error) {
        if (!isMissing(error) || attempt > 0) throw error;
        infos.delete(renditionPath); // the rendition may have been replaced or pruned whole
        const { status } = await store.ensure(renditionPath, segment);
        if (status !== 'HIT') cache = status;
      }
    }
  }

  async function index(req: IncomingMessage, res: ServerResponse, renditionPath: string): Promise<Served> {
    return sendCached(req, res, renditionPath, INDEX_PLAYLIST, undefined, PLAYLIST_TYPE, cc.playlist);
  }

  async function segment(req: IncomingMessage, res: ServerResponse, renditionPath: string, number: number): Promise<Served> {
    // A known rendition's segment count is in memory; an unknown one is made (or found) first.
    const status = infos.has(renditionPath) ? 'HIT' : (await store.ensure(renditionPath)).status;
    const { segments } = await info(renditionPath);
    if (number > segments) throw new CasterpakError('NOT_FOUND', `${renditionPath} has ${segments} segments, not ${number}`);
    return sendCached(req, res, renditionPath, segmentName(number), number, SEGMENT_TYPE, cc.segment, status);
  }

  // The I-frame playlist needs every segment: pruned ones are made again first.
  async function ensureIFramePlaylist(renditionPath: string): Promise<{ file: string; cache: CacheStatus }> {
    const { status, dir } = await store.ensure(renditionPath);
    const output = path.join(dir, KFONLY_DIR, INDEX_PLAYLIST);
    const present = await fs.access(output).then(() => true, () => false);
    if (!present) {
      const { segments } = await info(renditionPath);
      const names = new Set(await fs.readdir(dir));
      for (let n = 1; n <= segments; n++) {
        if (!names.has(segmentName(n))) {
          await store.ensure(renditionPath, n); // repairs every missing segment at once
          break;
        }
      }
    }
    const { file, created } = await deps.kfonly.ensure(path.join(dir, INDEX_PLAYLIST), output, { root: dir, followSource: false, rewrite: relativeSegments });
    return { file, cache: created ? 'MISS' : status };
  }

  async function kfonly(req: IncomingMessage, res: ServerResponse, renditionPath: string): Promise<Served> {
    const { file, cache } = await ensureIFramePlaylist(renditionPath);
    const result = await sendFile(req, res, file, { contentType: PLAYLIST_TYPE, cacheControl: cc.playlist, headers: { 'X-Casterpak-Cache': cache } });
    tracker.touch(file);
    return { ...result, cache };
  }

  const renditionUrl = (renditionPath: string, relative: string) =>
    config.publicBaseUrl ? `${config.publicBaseUrl}/i/${renditionPath.split('/').map(encodeURIComponent).join('/')}/` : relative;

  async function variant(renditionPath: string, relative: string): Promise<MasterVariant> {
    await store.ensure(renditionPath);
    const rendition = await info(renditionPath);
    const video = videoTrack(rendition.media);
    const audio = audioTrack(rendition.media);
    const codecs = [video?.codec, audio?.codec].filter((c): c is string => Boolean(c));
    const resolution = video?.width && video.height ? { width: video.width, height: video.height } : undefined;
    const base = renditionUrl(renditionPath, relative);
    let iframe: MasterVariant['iframe'];
    if (video) {
      const { file } = await ensureIFramePlaylist(renditionPath);
      const rates = await deps.kfonly.bitrates(file);
      iframe = { bandwidth: rates.peak, averageBandwidth: rates.average, codecs: videoCodecs(codecs.join(',')), resolution, uri: `${base}${KFONLY_DIR}/${INDEX_PLAYLIST}` };
    }
    return {
      uri: `${base}${INDEX_PLAYLIST}`,
      bandwidth: rendition.peakBitrate,
      averageBandwidth: rendition.averageBitrate,
      codecs,
      resolution,
      frameRate: video?.frameRate,
      iframe,
    };
  }

  // What a rewritten third-party master needs to advertise this rendition's trick-play stream.
  async function iframeInfo(renditionPath: string): Promise<IFrameInfo> {
    const { iframe } = await variant(renditionPath, '');
    if (!iframe) throw new CasterpakError('NOT_FOUND', `${renditionPath} has no video`);
    return { bitrates: { peak: iframe.bandwidth, average: iframe.averageBandwidth ?? iframe.bandwidth }, codecs: iframe.codecs, resolution: iframe.resolution };
  }

  async function master(req: IncomingMessage, res: ServerResponse, renditionPath: string): Promise<Served> {
    const text = buildMaster([await variant(renditionPath, '')]);
    return sendText(req, res, text, { contentType: PLAYLIST_TYPE, cacheControl: cc.master });
  }

  // Renditions whose source is missing are left out; with none left, 404.
  async function csmil(req: IncomingMessage, res: ServerResponse, renditionPaths: readonly string[]): Promise<Served> {
    const settled = await Promise.allSettled(renditionPaths.map((p) => variant(p, `../${path.posix.basename(p)}/`)));
    const variants: MasterVariant[] = [];
    let firstError: unknown;
    settled.forEach((result, i) => {
      if (result.status === 'fulfilled') variants.push(result.value);
      else {
        firstError ??= result.reason;
        deps.logger.warn('csmil rendition left out', { rendition: renditionPaths[i], reason: isCasterpakError(result.reason) ? result.reason.message : String(result.reason) });
      }
    });
    if (variants.length === 0) throw isCasterpakError(firstError) && firstError.code !== 'NOT_FOUND' ? firstError : new CasterpakError('NOT_FOUND', 'none of the renditions has a source');
    return sendText(req, res, buildMaster(variants), { contentType: PLAYLIST_TYPE, cacheControl: cc.master });
  }

  return { index, segment, kfonly, master, csmil, iframeInfo };
}
