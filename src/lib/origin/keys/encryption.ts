// serve --encrypt aes-128 (docs/security.md): segments are encrypted as they are sent,
// AES-128-CBC with PKCS7 padding over the whole segment (RFC 8216 §5.2), with the rendition's
// derived key and the segment number as IV; media and I-frame playlists name the key
// (encrypt-playlist.ts); the key is answered on its own URI, private and never cached. The cache
// keeps clear segments: one cache serves encrypted and clear origins, a secret's rotation
// re-encrypts nothing, and a segment made alone or by `package` encrypts to the same bytes.
import { createCipheriv } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CasterpakError } from '../../shared/errors.js';
import { rewriteStream, rewriteWholeBody } from '../http/rewrite-body.js';
import { withCommonHeaders } from '../http/response-headers.js';
import type { Route, RouteOf } from '../request-path.js';
import { deliveryFor } from '../routes.js';
import { deriveKey, parseKeySecrets, segmentIv } from './content-keys.js';
import { encryptPlaylist } from './encrypt-playlist.js';
import { KEY_ID_PARAM, segmentKey } from './key-names.js';

export interface Encryption {
  /** Before the route's handler: its playlist or segment answer is encrypted as it is sent. */
  apply(req: IncomingMessage, res: ServerResponse, route: Route, query: string): void;
  /** The key route: the 16 bytes of a rendition's key. */
  key(req: IncomingMessage, res: ServerResponse, route: RouteOf<'key'>): { status: number; bytes: number };
}

const PLAYLISTS = new Set<Route['kind']>(['index', 'audio-index', 'kfonly']);
// The fMP4 and DASH forms (docs/formats.md) have no encryption yet (SAMPLE-AES or CENC would be
// theirs): with --encrypt they are not served at all, never in the clear.
const CLEAR_ONLY = new Set<Route['kind']>(['fmp4-master', 'fmp4-index', 'fmp4-kfonly', 'fmp4-init', 'fmp4-segment', 'dash', 'dash-csmil']);

// PKCS7 always adds 1 to 16 bytes (RFC 5652 §6.3).
const paddedLength = (clear: number) => (Math.floor(clear / 16) + 1) * 16;

function createEncryption(value: string): Encryption {
  const secrets = parseKeySecrets(value);
  // The secret a request names (`?k=`); none: the first. A retired one is gone (404).
  const secretFor = (query: string) => {
    const id = new URLSearchParams(query).get(KEY_ID_PARAM);
    if (id === null) return secrets[0];
    const found = secrets.find((secret) => secret.id === id);
    if (!found) throw new CasterpakError('NOT_FOUND', `no key secret ${id.slice(0, 16)} (removed from CASTERPAK_KEY_SECRET?)`);
    return found;
  };
  return {
    apply(req, res, route, query) {
      if (CLEAR_ONLY.has(route.kind)) throw new CasterpakError('NOT_FOUND', 'the fMP4 and DASH forms are not served with serve --encrypt');
      if (PLAYLISTS.has(route.kind)) {
        const { id } = secrets[0];
        rewriteWholeBody(req, res, (text) => encryptPlaylist(text, id));
        return;
      }
      if (route.kind !== 'segment' && route.kind !== 'audio-segment') return;
      const name = route.kind === 'segment' ? `segment${route.segment}_0_av.ts` : `segment${route.segment}_0_a${route.track}.ts`;
      const { keyName } = segmentKey(name)!;
      const { id, secret } = secretFor(query);
      const cipher = createCipheriv('aes-128-cbc', deriveKey(secret, route.renditionPath, keyName), segmentIv(route.segment));
      rewriteStream(req, res, {
        length: paddedLength,
        etagSuffix: `-aes-${id}`,
        update: (chunk) => cipher.update(chunk),
        final: () => cipher.final(),
      });
    },
    key(req, res, route) {
      const queryAt = (req.url ?? '').indexOf('?');
      const { secret } = secretFor(queryAt < 0 ? '' : (req.url ?? '').slice(queryAt + 1));
      const key = deriveKey(secret, route.renditionPath, route.name);
      const { contentType, cacheControl } = deliveryFor('key', route.name, { playlist: '', segment: '', master: '' });
      res.writeHead(200, withCommonHeaders(res, { 'Content-Type': contentType, 'Cache-Control': cacheControl, 'Content-Length': 16 }));
      res.end(req.method === 'HEAD' ? undefined : key);
      return { status: 200, bytes: req.method === 'HEAD' ? 0 : 16 };
    },
  };
}

// The encryption serve's configuration asks for, if any: --encrypt without a secret is a CONFIG
// error at start-up, not an origin whose every segment fails.
export function encryptionFor(serve: { readonly encrypt: 'none' | 'aes-128'; readonly keySecret: string | null }): Encryption | undefined {
  if (serve.encrypt === 'none') return undefined;
  if (serve.keySecret === null)
    throw new CasterpakError('CONFIG', '--encrypt aes-128 needs CASTERPAK_KEY_SECRET (hex secrets, comma-separated)');
  return createEncryption(serve.keySecret);
}
