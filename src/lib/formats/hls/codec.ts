// The only module that imports hls-parser. hls-parser keeps its options in a global and
// only logs (console.error) on invalid input unless strictMode is on, so every call here
// sets strict mode and turns its exceptions into a PlaylistFormatError.
import * as HLS from 'hls-parser';
import { PlaylistFormatError } from './errors.js';

export type MasterPlaylist = HLS.types.MasterPlaylist;
export type MediaPlaylist = HLS.types.MediaPlaylist;
type Playlist = MasterPlaylist | MediaPlaylist;

function strict<T>(what: string, run: () => T): T {
  HLS.setOptions({ strictMode: true, silent: true });
  try {
    return run();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PlaylistFormatError(`${what}: ${reason}`, { cause: error });
  }
}

// Parses any playlist in strict mode; throws PlaylistFormatError with hls-parser's reason.
export function parsePlaylist(text: string): Playlist {
  if (!text.trimStart().startsWith('#EXTM3U')) {
    throw new PlaylistFormatError('not an HLS playlist: no #EXTM3U');
  }
  return strict('invalid playlist', () => HLS.parse(text));
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const playlist = parsePlaylist(text);
  if (playlist.isMasterPlaylist) {
    throw new PlaylistFormatError('expected a media playlist, got a master playlist');
  }
  return playlist as MediaPlaylist;
}

export function parseMasterPlaylist(text: string): MasterPlaylist {
  const playlist = parsePlaylist(text);
  if (!playlist.isMasterPlaylist) {
    throw new PlaylistFormatError('expected a master playlist, got a media playlist');
  }
  return playlist as MasterPlaylist;
}
