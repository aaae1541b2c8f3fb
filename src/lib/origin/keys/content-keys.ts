// HLS AES-128 keys (RFC 8216 §5.2), derived, never stored: each rendition's 16-byte key is
// HKDF-SHA256 (RFC 5869) of a configured secret with the key's path (`<rendition path>/<key
// name>`) as info, so every worker and every restart computes the same key and there is nothing
// to back up or leak from the cache. CASTERPAK_KEY_SECRET holds several secrets for rotation
// (docs/security.md): the first encrypts new playlists; each is named by a short id derived from
// it, carried in the key and segment URIs (`?k=<id>`), so a player keeps the key its playlist
// named until that secret is removed.
import { hkdfSync } from 'node:crypto';
import { CasterpakError } from '../../shared/errors.js';

const SALT = 'casterpak hls aes-128';

interface KeySecret {
  /** 8 hex digits, derived from the secret (it tells nothing usable about it). */
  readonly id: string;
  readonly secret: Buffer;
}

export function parseKeySecrets(value: string): KeySecret[] {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new CasterpakError('CONFIG', 'CASTERPAK_KEY_SECRET is empty');
  return parts.map((hex, i) => {
    if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new CasterpakError('CONFIG', `CASTERPAK_KEY_SECRET: secret ${i + 1} is not hex`);
    if (hex.length < 32) throw new CasterpakError('CONFIG', `CASTERPAK_KEY_SECRET: secret ${i + 1} is shorter than 16 bytes`);
    const secret = Buffer.from(hex, 'hex');
    return { id: Buffer.from(hkdfSync('sha256', secret, SALT, 'key id', 4)).toString('hex'), secret };
  });
}

// The AES-128 key of `keyName` (key-names.ts) in the rendition at `renditionPath`.
export function deriveKey(secret: Buffer, renditionPath: string, keyName: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, `${renditionPath}/${keyName}`, 16));
}

// A segment's IV: its number as a 128-bit big-endian integer, written in the playlist as the
// EXT-X-KEY IV attribute (RFC 8216 §4.3.2.4), so an I-frame playlist, whose sequence numbers
// are not the segments', names the same IV.
export function segmentIv(segment: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(segment, 12);
  return iv;
}
