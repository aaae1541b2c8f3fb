// Makes the I-frame playlist of a media playlist: reads the playlist and its segments
// through a MediaLoader, scans each segment for key frames, builds and checks the playlist.
// Segments are read a few at a time ahead of the in-order scan, so memory stays bounded and a
// segment without PAT/PMT can borrow the program of the one before it.
import { CasterpakError } from '../shared/errors.js';
import { parsePlaylist, type MediaPlaylist } from '../formats/hls/codec.js';
import { iframeBitrates } from './iframe-variant.js';
import { assertIFrameSource, buildIFramePlaylist } from './iframe-playlist.js';
import { iframeSegmentUri } from './iframe-uri.js';
import { raiseTargetDuration } from '../formats/hls/target-duration.js';
import { scanKeyFrames, type KeyFrameScan, type VideoProgram } from '../formats/mpegts/keyframes.js';
import { readMediaPlaylist, trickPlayError } from './scan-errors.js';
import type { MediaLoader } from './media-loader.js';

export { fileLoader, httpLoader, type MediaLoader } from './media-loader.js';

export interface IFramePlaylistResult {
  /** the I-frame playlist text */
  readonly playlist: string;
  /** bits/s, for EXT-X-I-FRAME-STREAM-INF BANDWIDTH */
  readonly peak: number;
  /** bits/s, for AVERAGE-BANDWIDTH */
  readonly average: number;
  /** video CODECS from the first SPS, e.g. avc1.64001f */
  readonly codecs?: string;
  readonly resolution?: { readonly width: number; readonly height: number };
  readonly keyFrames: number;
  readonly segments: number;
}

interface KfonlyOptions {
  /** segments read ahead of the scan @default 4 */
  readonly concurrency?: number;
}

export async function createIFramePlaylist(
  playlistUrl: URL,
  loader: MediaLoader,
  options: KfonlyOptions = {},
): Promise<IFramePlaylistResult> {
  // Local paths stay out of messages (serve sends them to clients); the file name is enough.
  const name =
    playlistUrl.protocol === 'file:'
      ? decodeURIComponent(playlistUrl.pathname.slice(playlistUrl.pathname.lastIndexOf('/') + 1))
      : playlistUrl.href;
  const source = readSource(await loader.text(playlistUrl), name);
  assertIFrameSource(source, name);
  // URIs first: another origin is refused before anything is fetched.
  const uris = source.segments.map((segment) => iframeSegmentUri(segment.uri, playlistUrl));
  const urls = source.segments.map((segment) => new URL(segment.uri, playlistUrl));
  const scans = await scanInOrder(
    urls,
    source.segments.map((segment) => segment.uri),
    loader,
    options.concurrency ?? 4,
  );
  const playlist = buildIFramePlaylist(source, scans, uris, name);
  const { peak, average } = iframeBitrates(readMediaPlaylist(playlist));
  const format = scans.find((scan) => scan.format !== undefined)?.format;
  return {
    playlist,
    peak,
    average,
    ...(format ? { codecs: format.codecs, resolution: { width: format.width, height: format.height } } : {}),
    keyFrames: scans.reduce((n, scan) => n + scan.keyFrames.length, 0),
    segments: scans.length,
  };
}

// The source media playlist, as lenient about TARGETDURATION as players are.
export function readSource(text: string, name: string): MediaPlaylist {
  let parsed;
  try {
    parsed = parsePlaylist(raiseTargetDuration(text));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CasterpakError('BAD_PLAYLIST', `${name}: ${reason}`, { cause: error });
  }
  if (parsed.isMasterPlaylist) {
    throw new CasterpakError('BAD_PLAYLIST', `${name}: is a master playlist; give one of its media playlists`);
  }
  return parsed;
}

async function scanInOrder(
  urls: readonly URL[],
  names: readonly string[],
  loader: MediaLoader,
  concurrency: number,
): Promise<KeyFrameScan[]> {
  const pending: Array<Promise<Uint8Array> | undefined> = [];
  let next = 0;
  const startNext = () => {
    if (next >= urls.length) return;
    const load = loader.bytes(urls[next]!);
    load.catch(() => undefined); // awaited below in order; this only silences early rejections
    pending[next++] = load;
  };
  for (let i = 0; i < Math.max(1, concurrency); i++) startNext();
  const scans: KeyFrameScan[] = [];
  let program: VideoProgram | undefined;
  for (let i = 0; i < urls.length; i++) {
    const bytes = await pending[i]!;
    pending[i] = undefined;
    startNext();
    let scan: KeyFrameScan;
    try {
      scan = scanKeyFrames(bytes, names[i]!, { program });
    } catch (error) {
      throw trickPlayError(error);
    }
    program = { videoPid: scan.videoPid, streamType: scan.streamType };
    scans.push(scan);
  }
  return scans;
}
