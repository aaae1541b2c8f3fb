// The /i/ routes of one rendition: its media playlist, segments and I-frame playlist, each made
// on first request through the shared RenditionStore and then served from disk.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { CasterpakError } from '../shared/errors.js';
import type { CasterpakConfig } from '../config/schema.js';
import { INDEX_PLAYLIST, KFONLY_DIR, segmentName } from '../cache/names.js';
import { transcodedFrom, type RenditionInfo } from '../cache/rendition-info.js';
import type { RenditionStore, CacheStatus, FirstSegment, MadeSegment } from '../packaging/rendition-store.js';
import type { IFramePlaylistService } from '../trick-play/iframe-playlist-service.js';
import { predictIFramePlaylist } from '../trick-play/moov-iframes.js';
import { DamagedFileError, sendBytes, sendFile, sendMadeFile, sendMemory, sendSmallFile, sendText } from './http/static-file.js';
import type { SmallFileCache } from './http/small-files.js';
import type { Route, RouteOf } from './request-path.js';
import { deliveryFor } from './routes.js';
import type { Served } from './handler.js';
import type { ToolTiming } from '../shared/run-tool.js';

interface RenditionRoutesDeps {
  readonly config: CasterpakConfig;
  readonly store: RenditionStore;
  readonly iframePlaylists: IFramePlaylistService;
  /** Playlists kept in memory; segments are not: each request reads one whole into a pooled buffer within
   * serve.responseMemoryBytes and streams it past that (http/file-body.ts). */
  readonly smallFiles: SmallFileCache;
}

type RenditionRoute<K extends Route['kind']> = RouteOf<K>;

// W3C Server Timing: what an answer that was made (not found in the cache) spent before it was
// sent, and the part of that the mp42hls process took; casterpak's own work is the difference
// (docs/benchmarks.md measures it so).
function serverTiming(started: number, timing: ToolTiming): string {
  const made = `make;dur=${(performance.now() - started).toFixed(1)}`;
  return timing.toolMs > 0 ? `${made}, mp42hls;dur=${timing.toolMs.toFixed(1)}` : made;
}

// What the store hands over while it makes a rendition from the moov, before its commit
// (packaging/store/first-segments.ts): a cold media playlist's text, or the segment a request
// started the rendition for; or a segment made alone, its file created. `first` waits for it or
// for `made`, whichever comes first.
function handedOver<T>() {
  let value: T | null = null;
  let given = () => {};
  const handed = new Promise<void>((resolve) => (given = resolve));
  return {
    give(handedValue: T) {
      value = handedValue;
      given();
    },
    // What was handed over before `made` ended, else null (`made` then says how it went).
    async first(made: Promise<unknown>): Promise<T | null> {
      await Promise.race([made, handed]);
      // Committed behind what was handed over: a failure is the store's to report (its packaging
      // events), and the next request makes the rendition again.
      if (value !== null) made.catch(() => {});
      return value;
    },
  };
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

const [TS_PACKET, PSI_PACKETS, CC_CYCLE] = [188, 2, 16];

// Absolute segment URIs (publicBaseUrl) point at this origin; the I-frame playlist maker reads local files.
const relativeSegments = (text: string) => text.replace(/^https?:\/\/\S*\/(segment\d+_0_av\.ts)$/gm, '$1');

export function renditionRoutes(deps: RenditionRoutesDeps) {
  const { config, store } = deps;

  // What packaging measured, kept in the store's entry of the rendition once read.
  async function info(renditionPath: string): Promise<RenditionInfo> {
    const known = store.known(renditionPath)?.info;
    if (known) return known;
    // Unreadable or gone beside a playlist that is there: made again (store.healInfo).
    const read = (await store.info(renditionPath)) ?? (await store.healInfo(renditionPath)).info;
    if (!read) throw new CasterpakError('NOT_FOUND', `${renditionPath}: rendition information missing`);
    return read;
  }

  // A cold media playlist sent as soon as the store knows its text (handedOver).
  function playlistAnswer(req: IncomingMessage, res: ServerResponse, file: string, started: number, timing: ToolTiming) {
    const served = handedOver<Promise<Served>>();
    const playlist = (text: string) => {
      const headers = { 'X-Casterpak-Cache': 'MISS', 'Server-Timing': serverTiming(started, timing) };
      const sent = sendText(req, res, text, { ...deliveryFor('index', INDEX_PLAYLIST, config.serve.cacheControl), headers });
      served.give(sent.then((result) => ({ ...result, cache: 'MISS', file })));
    };
    return { early: { playlist }, first: served.first };
  }

  // Sends a cached file, opened straight away (the hot path of a warm cache); when it is not
  // there (never made, or pruned), the store makes it and the send is tried once more.
  // `earlier`: how an earlier lookup in the same request was served (a MISS stays a MISS);
  // `started`: when the request began, for the Server-Timing of an answer that was made.
  async function sendCached(
    req: IncomingMessage,
    res: ServerResponse,
    route: RenditionRoute<'index' | 'segment'>,
    name: string,
    earlier: CacheStatus = 'HIT',
    started = performance.now(),
  ): Promise<Served> {
    const file = path.join(await store.insideDir(route.renditionPath), name);
    const segmentNumber = route.kind === 'segment' ? route.segment : undefined;
    const timing: ToolTiming = { toolMs: 0 };
    let cache = earlier;
    for (let attempt = 0; ; attempt++) {
      try {
        const options = {
          ...deliveryFor(route.kind, name, config.serve.cacheControl),
          headers: { 'X-Casterpak-Cache': cache, ...(cache === 'HIT' ? {} : { 'Server-Timing': serverTiming(started, timing) }) },
          damaged: segmentNumber !== undefined && attempt === 0 ? damagedSegment(route.renditionPath, segmentNumber) : undefined,
        };
        const result =
          route.kind === 'index' ? await sendSmallFile(req, res, file, options, deps.smallFiles) : await sendFile(req, res, file, options);
        return { ...result, cache, file };
      } catch (error) {
        const damaged = error instanceof DamagedFileError;
        if ((!isMissing(error) && !damaged) || attempt > 0) throw error;
        if (damaged)
          await fs.rm(file, { force: true }); // made again below, as if pruned
        else store.entries.forget(route.renditionPath, 'info'); // the rendition may have been replaced or pruned whole
        const answer = route.kind === 'index' ? playlistAnswer(req, res, file, started, timing) : null;
        const handed = route.kind === 'segment' ? handedOver<MadeSegment>() : null;
        const made = store.ensure(
          route.renditionPath,
          segmentNumber,
          timing,
          answer?.early ?? (handed ? { made: handed.give } : undefined),
        );
        const answered = answer && (await answer.first(made));
        if (answered) return answered;
        // Made by this request: answered from its bytes while the store commits them.
        const madeHere = handed && (await handed.first(made));
        if (madeHere) {
          const headers = { 'X-Casterpak-Cache': 'MISS', 'Server-Timing': serverTiming(started, timing) };
          const sent = await sendMadeFile(req, res, madeHere, { ...deliveryFor(route.kind, name, config.serve.cacheControl), headers });
          if (sent) return { ...sent, cache: 'MISS', file };
        }
        const { status } = await made;
        if (status !== 'HIT') cache = status;
      }
    }
  }

  // A cached segment cut short or emptied (a full disk, a careless copy) is made again, judged by
  // the size the open already gave, nothing read: whole 188-byte packets (ISO/IEC 13818-1
  // §2.4.3.2); with the pinned Bento4 one PAT and one PMT and a multiple of 16 packets per
  // elementary stream (formats/mpegts/continuity.ts), and never above what the index predicts
  // (exact or an upper bound: formats/mp42hls/segment-size.ts; not for a transcoded segment).
  function damagedSegment(renditionPath: string, segment: number): (size: number) => boolean {
    const known = store.known(renditionPath);
    const pinned = store.options.bento4.pinned;
    const predicted =
      pinned && known?.info && transcodedFrom(known.info) === null
        ? store.entries.index(renditionPath)?.header.segments.bytesAt(segment - 1)
        : undefined;
    return (size) =>
      size === 0 ||
      size % TS_PACKET !== 0 ||
      (pinned && (size / TS_PACKET - PSI_PACKETS) % CC_CYCLE !== 0) ||
      (predicted !== undefined && size > predicted);
  }

  // The warm path: a verified rendition whose playlist is fresh in memory is answered at once.
  const playlistHit = { ...deliveryFor('index', INDEX_PLAYLIST, config.serve.cacheControl), headers: { 'X-Casterpak-Cache': 'HIT' } };
  function index(req: IncomingMessage, res: ServerResponse, route: RenditionRoute<'index'>): Served | Promise<Served> {
    const dir = store.known(route.renditionPath)?.dir;
    const file = dir === undefined ? undefined : path.join(dir, INDEX_PLAYLIST);
    const fresh = file === undefined ? undefined : deps.smallFiles.fresh(file);
    if (fresh) return { ...sendMemory(req, res, fresh, playlistHit), cache: 'HIT', file };
    return sendCached(req, res, route, INDEX_PLAYLIST);
  }

  // A segment made first while its rendition is (packaging/store/first-segments.ts), answered
  // from memory without waiting for the rendition's commit.
  function firstSegment(
    req: IncomingMessage,
    res: ServerResponse,
    route: RenditionRoute<'segment'>,
    first: FirstSegment,
    made: MadeSegment,
    started: number,
  ) {
    const cache: CacheStatus = first.answering(finished(res)) ? 'MISS' : 'WAIT';
    const headers = { 'X-Casterpak-Cache': cache, 'Server-Timing': serverTiming(started, first.timing) };
    const options = { ...deliveryFor('segment', segmentName(route.segment), config.serve.cacheControl), headers };
    // With its file's validators; past the memory budget or without birth times, a hash of its bytes.
    const sent = sendMadeFile(req, res, made, options).then((result) => result ?? sendBytes(req, res, made.bytes, options));
    readAhead(route, first.segments);
    return sent.then((result) => ({ ...result, cache }));
  }

  async function segment(req: IncomingMessage, res: ServerResponse, route: RenditionRoute<'segment'>): Promise<Served> {
    const started = performance.now();
    const { renditionPath } = route;
    // Made first by a rendition under way; or the rendition is unknown, and made with this
    // segment first (so a player that starts mid-film waits for the plan, not the commit).
    let first = store.firstSegments.get(renditionPath, route.segment);
    let made: ReturnType<typeof store.ensure> | null = null;
    if (!first && !store.known(renditionPath)?.info) {
      const taken = handedOver<FirstSegment>();
      made = store.ensure(renditionPath, undefined, undefined, { segment: { number: route.segment, taken: taken.give } });
      first = (await taken.first(made)) ?? undefined;
    }
    const firstMade = first && (await first.made);
    if (first && firstMade) return firstSegment(req, res, route, first, firstMade, started);
    // A known rendition's segment count is in memory; an unknown one is made (or found) first.
    const status = store.known(renditionPath)?.info && !made ? 'HIT' : (await (made ?? store.ensure(renditionPath))).status;
    const { segments } = await info(renditionPath);
    if (route.segment > segments) throw new CasterpakError('NOT_FOUND', `${renditionPath} has ${segments} segments, not ${route.segment}`);
    const served = await sendCached(req, res, route, segmentName(route.segment), status, started);
    readAhead(route, segments);
    return served;
  }

  // A playing client asks for the next ones soon: make them while slots are idle (those of a
  // rendition being made once it is committed).
  function readAhead(route: RenditionRoute<'segment'>, segments: number): void {
    for (let next = route.segment + 1; next <= Math.min(segments, route.segment + config.serve.readAhead); next++)
      store.prefetch(route.renditionPath, next);
  }

  // The I-frame playlist from the moov, or from every segment (missing ones made first). Not for a derived
  // rendition: that would transcode the whole film for a picture its source shows as well, so
  // its I-frame playlist is made only once every segment is cached (docs/renditions.md).
  async function ensureIFramePlaylist(renditionPath: string): Promise<{ file: string; cache: CacheStatus }> {
    const { status, dir } = await store.ensure(renditionPath);
    const output = path.join(dir, KFONLY_DIR, INDEX_PLAYLIST);
    const derived = (await info(renditionPath)).derived;
    if (derived) {
      const names = new Set(await fs.readdir(dir));
      const { segments } = await info(renditionPath);
      const missing = Array.from({ length: segments }, (_, i) => segmentName(i + 1)).filter((name) => !names.has(name)).length;
      if (missing > 0)
        throw new CasterpakError(
          'NOT_FOUND',
          `${renditionPath} is derived (${derived.profile}) and ${missing} of its ${segments} segments are not cached: trick play is served from the source rendition ${derived.source}`,
        );
    }
    // From the moov where the prediction is exact; else every segment is made, then scanned.
    let made = status;
    const { file, created } = await deps.iframePlaylists.ensure(path.join(dir, INDEX_PLAYLIST), output, {
      root: dir,
      followSource: false,
      rewrite: relativeSegments,
      predict: derived ? undefined : (text, url) => predictIFramePlaylist(store, renditionPath, dir, text, url),
      prepare: async () => {
        made = (await store.ensureAll(renditionPath)).status;
      },
    });
    return { file, cache: created ? 'MISS' : made };
  }

  async function kfonly(req: IncomingMessage, res: ServerResponse, route: RenditionRoute<'kfonly'>): Promise<Served> {
    const { file, cache } = await ensureIFramePlaylist(route.renditionPath);
    const result = await sendSmallFile(
      req,
      res,
      file,
      { ...deliveryFor('kfonly', INDEX_PLAYLIST, config.serve.cacheControl), headers: { 'X-Casterpak-Cache': cache } },
      deps.smallFiles,
    );
    return { ...result, cache, file };
  }

  return { index, segment, kfonly, info, ensureIFramePlaylist };
}

export type RenditionRoutes = ReturnType<typeof renditionRoutes>;
