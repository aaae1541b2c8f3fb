// Creates I-frame playlists just in time, once per output file even when many
// requests ask at the same moment, and saves them (temp file + rename) for the next request.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { CasterpakError } from '../shared/errors.js';
import { readMediaPlaylist } from './scan-errors.js';
import { iframeBitrates, type IFrameBitrates } from './iframe-variant.js';
import { createIFramePlaylist, fileLoader, type MediaLoader } from './iframe-playlist-maker.js';
import { writeFileAtomic } from '../cache/atomic-write.js';
import { SingleFlight } from '../shared/single-flight.js';
import { isInside } from '../shared/paths.js';

export interface KfonlyOptions {
  /** Every file the source playlist names must lie inside it. */
  readonly root: string;
  readonly followSource: boolean;
  /** Adjusts the source playlist text before it is read (e.g. absolute URIs of our own). */
  readonly rewrite?: (text: string) => string;
  /** The playlist without reading segments (trick-play/moov-iframes.ts), from the source's text; null: scan them. */
  readonly predict?: (text: string, playlistUrl: URL) => Promise<string | null>;
  /** Run before the segments are scanned (e.g. making the missing ones). */
  readonly prepare?: () => Promise<void>;
}

export interface IFramePlaylistService {
  // Returns the output file, creating it from `source` (a media playlist file) when missing
  // (or, with followSource, older than the source: published streams may be re-published).
  ensure(source: string, output: string, options: KfonlyOptions): Promise<{ file: string; created: boolean }>;
  bitrates(file: string): Promise<IFrameBitrates>;
}

// A file loader that refuses anything outside `root` (a published playlist may name `../../x`).
function confinedLoader(root: string, rewrite?: (text: string) => string): MediaLoader {
  const inner = fileLoader();
  const check = (url: URL) => {
    const file = path.resolve(fileURLToPath(url));
    if (!isInside(root, file)) throw new CasterpakError('BAD_PLAYLIST', `playlist names a file outside its root: ${path.basename(file)}`);
  };
  return {
    text: async (url) => {
      check(url);
      const text = await inner.text(url);
      return rewrite ? rewrite(text) : text;
    },
    bytes: async (url) => {
      check(url);
      return inner.bytes(url);
    },
  };
}

export function createIFramePlaylistService(): IFramePlaylistService {
  const flights = new SingleFlight<{ file: string; created: boolean }>();
  const mtime = (file: string) =>
    fs.stat(file).then(
      (s) => s.mtimeMs,
      () => null,
    );
  const create = async (source: string, output: string, options: KfonlyOptions) => {
    const [sourceTime, outputTime] = await Promise.all([mtime(source), mtime(output)]);
    if (sourceTime === null) throw new CasterpakError('NOT_FOUND', `no playlist ${path.basename(source)}`);
    if (outputTime !== null && (!options.followSource || outputTime >= sourceTime)) return { file: output, created: false };
    const url = pathToFileURL(source);
    let playlist: string | null = null;
    if (options.predict) {
      const text = await fs.readFile(source, 'utf8');
      playlist = await options.predict(options.rewrite ? options.rewrite(text) : text, url);
    }
    if (playlist === null) {
      await options.prepare?.();
      playlist = (await createIFramePlaylist(url, confinedLoader(options.root, options.rewrite))).playlist;
    }
    await fs.mkdir(path.dirname(output), { recursive: true });
    await writeFileAtomic(output, playlist);
    return { file: output, created: true };
  };
  return {
    ensure: (source, output, options) => flights.run(output, () => create(source, output, options)),
    async bitrates(file) {
      return iframeBitrates(readMediaPlaylist(await fs.readFile(file, 'utf8')));
    },
  };
}
