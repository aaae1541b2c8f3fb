// The token a request came with, carried into every URI of the playlist answered (RFC 8216
// §4.1: URI lines and quoted URI attributes — variants, I-frame playlists, alternate tracks,
// segments, maps, keys), so a player given one signed master URL can play, seek and switch.
// Done at answer time, on the bytes sent: cached playlists stay unsigned. Pure.
import { joinLines, splitLines, tagOf } from '../../formats/hls/playlist-lines.js';

export const TOKEN_PARAM = 'hdnts';

// A URI gets the token when it points here: relative, or absolute on one of `ownOrigins`
// (serve's publicBaseUrl); a token never goes to another host.
function signUri(uri: string, token: string, ownOrigins: readonly string[]): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('//')) {
    let origin: string;
    try {
      origin = new URL(uri).origin;
    } catch {
      return uri;
    }
    if (!ownOrigins.includes(origin)) return uri;
  }
  const hash = uri.indexOf('#');
  const [body, fragment] = hash < 0 ? [uri, ''] : [uri.slice(0, hash), uri.slice(hash)];
  if (new RegExp(`[?&]${TOKEN_PARAM}=`).test(body)) return uri;
  return `${body}${body.includes('?') ? '&' : '?'}${TOKEN_PARAM}=${encodeURIComponent(token)}${fragment}`;
}

export function carryToken(playlist: string, token: string, ownOrigins: readonly string[] = []): string {
  const lines = splitLines(playlist).map((line) => {
    const text = line.text.trim();
    if (text === '') return line;
    if (!text.startsWith('#')) return { ...line, text: signUri(text, token, ownOrigins) };
    if (tagOf(text) === null) return line;
    return { ...line, text: line.text.replace(/URI="([^"]*)"/g, (_all, uri: string) => `URI="${signUri(uri, token, ownOrigins)}"`) };
  });
  return joinLines(lines);
}
