// What trick play answers when a segment's MPEG-TS or an I-frame playlist does not read
// (docs/trick-play.md): the format core's TsFormatError becomes BAD_TS (422) for broken bytes and
// UNSUPPORTED_MEDIA (415) for video trick play cannot use (scrambled, SAMPLE-AES, none), its
// PlaylistFormatError BAD_PLAYLIST, each with the reader's message.
import { parseMediaPlaylist, type MediaPlaylist } from '../formats/hls/codec.js';
import { PlaylistFormatError } from '../formats/hls/errors.js';
import { TsFormatError } from '../formats/mpegts/errors.js';
import { CasterpakError } from '../shared/errors.js';

export function trickPlayError(error: unknown): unknown {
  if (error instanceof PlaylistFormatError) return new CasterpakError('BAD_PLAYLIST', error.message, { cause: error });
  if (!(error instanceof TsFormatError)) return error;
  return new CasterpakError(error.kind === 'unsupported' ? 'UNSUPPORTED_MEDIA' : 'BAD_TS', error.message, { cause: error });
}

// A media playlist parsed strictly; BAD_PLAYLIST when it does not parse or is a master.
export function readMediaPlaylist(text: string): MediaPlaylist {
  try {
    return parseMediaPlaylist(text);
  } catch (error) {
    throw trickPlayError(error);
  }
}
