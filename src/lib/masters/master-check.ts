// Tells a usable HLS master playlist from what upstreams answer instead (an HTML error page,
// an empty body, a media playlist), with one line naming the source and the cause.
import { CasterpakError } from '../shared/errors.js';
import { parseMasterPlaylist, type MasterPlaylist } from '../formats/hls/codec.js';

// Tags that only a media playlist carries (RFC 8216 §4.3.3, §4.3.2): their presence means the
// upstream answered with a rendition, not with the master.
const MEDIA_TAG = /^#(EXTINF|EXT-X-TARGETDURATION|EXT-X-MEDIA-SEQUENCE|EXT-X-ENDLIST)\b/m;

// Returns the parsed master (strict hls-parser) or throws BAD_PLAYLIST saying what the text is.
export function assertMasterPlaylist(text: string, source: string): MasterPlaylist {
  const fail = (why: string): never => {
    throw new CasterpakError('BAD_PLAYLIST', `${source}: ${why}`);
  };
  const head = text.trimStart();
  if (head.length === 0) fail('empty body, not a playlist');
  if (head.startsWith('<')) fail('an HTML/XML page, not an HLS playlist');
  if (!head.startsWith('#EXTM3U')) fail(`not an HLS playlist (starts with ${JSON.stringify(head.slice(0, 20))})`);
  if (MEDIA_TAG.test(text)) fail('a media playlist, not a master playlist');
  let master: MasterPlaylist;
  try {
    master = parseMasterPlaylist(text);
  } catch (error) {
    return fail(`invalid master playlist: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!master.variants.some((variant) => !variant.isIFrameOnly)) fail('a master playlist without EXT-X-STREAM-INF variants');
  return master;
}
