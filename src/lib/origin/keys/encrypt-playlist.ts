// A media or I-frame playlist as an encrypted rendition answers it (RFC 8216 §4.3.2.4):
// `#EXT-X-KEY:METHOD=AES-128,URI="key_0_av.key?k=<id>"` before the first entry, and each segment
// URI with `?k=<id>` (content-keys.ts: which secret). A segment's IV is its number; in a media
// playlist that is each entry's media sequence number, the IV a key without one implies (§5.2),
// so one tag serves them all. An I-frame playlist (several entries per segment) gives each run of
// entries from one segment a tag with `IV=0x<segment number>`, always explicit: hls.js reads the
// PAT and PMT before the first key frame as an initialization section, whose IV must be given
// (RFC 8216 §4.3.2.4).
// The key URI is the segment URI with its file name replaced, so it resolves beside the
// segments from a media playlist and from kfonly/ alike. Done as the answer is sent: cached
// playlists stay clear. Pure.
import { dominantEol, joinLines, splitLines, tagOf, type PlaylistLine } from '../../formats/hls/playlist-lines.js';
import { KEY_ID_PARAM, segmentKey } from './key-names.js';

const withParam = (uri: string, id: string) => {
  const hash = uri.indexOf('#');
  const [body, fragment] = hash < 0 ? [uri, ''] : [uri.slice(0, hash), uri.slice(hash)];
  return `${body}${body.includes('?') ? '&' : '?'}${KEY_ID_PARAM}=${id}${fragment}`;
};

export function encryptPlaylist(playlist: string, keyId: string): string {
  const lines = splitLines(playlist);
  const eol = dominantEol(lines);
  const iframes = lines.some((line) => line.text.trim() === '#EXT-X-I-FRAMES-ONLY');
  const out: PlaylistLine[] = [];
  let groupStart = -1; // where the current entry's tags begin in `out`
  let lastKey = '';
  let sequence = 0; // RFC 8216 §4.3.3.2: the first entry's, 0 unless the playlist says
  for (const line of lines) {
    const text = line.text.trim();
    const tag = tagOf(text);
    if (tag?.tag === 'EXT-X-MEDIA-SEQUENCE' && /^\d+$/.test(tag.rest)) sequence = Number(tag.rest);
    if (tag?.tag === 'EXTINF' || tag?.tag === 'EXT-X-BYTERANGE') {
      if (groupStart < 0) groupStart = out.length;
    } else if (text !== '' && !text.startsWith('#')) {
      const query = text.search(/[?#]/);
      const path = query < 0 ? text : text.slice(0, query);
      const slash = path.lastIndexOf('/');
      const found = segmentKey(path.slice(slash + 1));
      if (found) {
        const iv = found.segment === sequence && !iframes ? '' : `,IV=0x${found.segment.toString(16).padStart(32, '0')}`;
        const key = `#EXT-X-KEY:METHOD=AES-128,URI="${withParam(path.slice(0, slash + 1) + found.keyName, keyId)}"${iv}`;
        if (key !== lastKey) out.splice(groupStart < 0 ? out.length : groupStart, 0, { text: key, eol });
        lastKey = key;
        out.push({ ...line, text: withParam(text, keyId) });
        groupStart = -1;
        sequence++;
        continue;
      }
      groupStart = -1;
      sequence++;
    }
    out.push(line);
  }
  return joinLines(out);
}
