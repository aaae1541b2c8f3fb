// What trick play answers when a segment's MPEG-TS does not read (docs/trick-play.md): the
// format core's TsFormatError becomes BAD_TS (422) for broken bytes and UNSUPPORTED_MEDIA (415)
// for video trick play cannot use (scrambled, SAMPLE-AES, none), with the reader's message.
import { TsFormatError } from '../formats/mpegts/errors.js';
import { CasterpakError } from '../shared/errors.js';

export function trickPlayError(error: unknown): unknown {
  if (!(error instanceof TsFormatError)) return error;
  return new CasterpakError(error.kind === 'unsupported' ? 'UNSUPPORTED_MEDIA' : 'BAD_TS', error.message, { cause: error });
}
