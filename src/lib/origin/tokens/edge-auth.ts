// Signed URLs in Akamai's EdgeAuth token format, which operators already generate
// (docs/security.md gives the exact string): `st=<start>~exp=<end>~acl=<paths>~hmac=<hex>`,
// the HMAC-SHA256 over the fields before `~hmac=`, in that order, with a key given in hex.
// Pure: the clock and the keys are passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CasterpakError } from '../../shared/errors.js';

interface TokenFields {
  /** Unix seconds before which the token is not valid yet; omitted: valid from minting. */
  readonly start?: number;
  /** Unix seconds from which the token is expired. */
  readonly expiry: number;
  /** Paths it opens, `*` matching any run of characters ('/' included); several joined by '!'. */
  readonly acl: string;
}

// Keys from CASTERPAK_TOKEN_SECRET: hex, comma-separated, the first one signs (rotation,
// docs/deployment.md). A key shorter than 16 bytes is refused: it could be guessed offline.
export function parseTokenKeys(secret: string): Buffer[] {
  const keys = secret
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (keys.length === 0) throw new CasterpakError('CONFIG', 'CASTERPAK_TOKEN_SECRET is empty');
  return keys.map((hex, i) => {
    if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new CasterpakError('CONFIG', `CASTERPAK_TOKEN_SECRET: key ${i + 1} is not hex`);
    if (hex.length < 32) throw new CasterpakError('CONFIG', `CASTERPAK_TOKEN_SECRET: key ${i + 1} is shorter than 16 bytes`);
    return Buffer.from(hex, 'hex');
  });
}

const signed = (fields: TokenFields): string =>
  [fields.start === undefined ? null : `st=${fields.start}`, `exp=${fields.expiry}`, `acl=${fields.acl}`].filter(Boolean).join('~');

const mac = (key: Buffer, text: string): string => createHmac('sha256', key).update(text, 'utf8').digest('hex');

// The token's value (what follows `hdnts=`), signed with `key`.
export function mintToken(fields: TokenFields, key: Buffer): string {
  if (/[~]/.test(fields.acl)) throw new CasterpakError('USAGE', `an ACL cannot contain '~': ${fields.acl}`);
  const text = signed(fields);
  return `${text}~hmac=${mac(key, text)}`;
}

// An ACL entry as a whole-path pattern: `*` any run of characters, everything else literal.
const aclMatches = (pattern: string, path: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
      .join('.*')}$`,
    's',
  ).test(path);

type TokenVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'malformed' | 'tampered' | 'not yet valid' | 'expired' | 'wrong path' };

// Whether `token` opens `path` (the request's path as sent, percent-encoding included) at
// `nowSeconds`, under any of `keys`. The signature is checked before the fields are believed.
export function verifyToken(token: string, path: string, keys: readonly Buffer[], nowSeconds: number): TokenVerdict {
  const at = token.lastIndexOf('~hmac=');
  if (at < 0) return { ok: false, reason: 'malformed' };
  const text = token.slice(0, at);
  const given = token.slice(at + '~hmac='.length);
  if (!/^[0-9a-f]{64}$/i.test(given)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(given.toLowerCase(), 'hex');
  if (!keys.some((key) => timingSafeEqual(Buffer.from(mac(key, text), 'hex'), expected))) return { ok: false, reason: 'tampered' };
  const fields = new Map<string, string>();
  for (const field of text.split('~')) {
    const eq = field.indexOf('=');
    if (eq <= 0 || fields.has(field.slice(0, eq))) return { ok: false, reason: 'malformed' };
    fields.set(field.slice(0, eq), field.slice(eq + 1));
  }
  const number = (name: string): number | null | undefined => {
    const value = fields.get(name);
    return value === undefined ? undefined : /^\d{1,12}$/.test(value) ? Number(value) : null;
  };
  const [start, expiry, acl] = [number('st'), number('exp'), fields.get('acl')];
  if (start === null || expiry === null || expiry === undefined || acl === undefined) return { ok: false, reason: 'malformed' };
  if (start !== undefined && nowSeconds < start) return { ok: false, reason: 'not yet valid' };
  if (nowSeconds >= expiry) return { ok: false, reason: 'expired' };
  return acl.split('!').some((pattern) => aclMatches(pattern, path)) ? { ok: true } : { ok: false, reason: 'wrong path' };
}
