// The token format of docs/security.md, checked against values computed here with Node's HMAC
// over the documented string: `[st=<start>~]exp=<end>~acl=<acl>`, HMAC-SHA256, key in hex.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintToken, parseTokenKeys, verifyToken } from '../../../../src/lib/origin/tokens/edge-auth.js';

const hex = randomBytes(32).toString('hex');
const other = randomBytes(32).toString('hex');
const now = 1_800_000_000;

// The documented construction, written out independently of the code under test.
const documented = (fields: string, keyHex: string) =>
  `${fields}~hmac=${createHmac('sha256', Buffer.from(keyHex, 'hex')).update(fields).digest('hex')}`;

describe('EdgeAuth tokens', () => {
  it('mints exactly the documented string', () => {
    const [key] = parseTokenKeys(hex);
    expect(mintToken({ expiry: now + 60, acl: '/i/film.mp4/*' }, key)).toBe(documented(`exp=${now + 60}~acl=/i/film.mp4/*`, hex));
    expect(mintToken({ start: now, expiry: now + 60, acl: '/i/*!/hls/*' }, key)).toBe(
      documented(`st=${now}~exp=${now + 60}~acl=/i/*!/hls/*`, hex),
    );
  });

  it('accepts a documented token on the paths its ACL names, under any configured key (rotation)', () => {
    const keys = parseTokenKeys(`${other},${hex}`);
    const token = documented(`st=${now - 10}~exp=${now + 60}~acl=/i/film.mp4/*!/hls/show/*`, hex);
    for (const path of [
      '/i/film.mp4/master.m3u8',
      '/i/film.mp4/segment1_0_av.ts',
      '/i/film.mp4/kfonly/index_0_av.m3u8',
      '/hls/show/a/b.ts',
    ])
      expect(verifyToken(token, path, keys, now)).toEqual({ ok: true });
  });

  it.each([
    ['expired', documented(`exp=${now}~acl=/i/*`, hex), '/i/a.mp4/x'],
    ['not yet valid', documented(`st=${now + 5}~exp=${now + 60}~acl=/i/*`, hex), '/i/a.mp4/x'],
    ['wrong path', documented(`exp=${now + 60}~acl=/i/film.mp4/*`, hex), '/i/film2.mp4/master.m3u8'],
    ['wrong path', documented(`exp=${now + 60}~acl=/i/film.mp4/*`, hex), '/hls/i/film.mp4/x'],
    ['tampered', documented(`exp=${now + 60}~acl=/i/film.mp4/*`, hex).replace('film.mp4', '*'), '/i/other.mp4/x'],
    ['tampered', documented(`exp=${now + 60}~acl=/i/*`, other), '/i/a.mp4/x'],
    ['tampered', documented(`exp=${now - 1}~acl=/i/*`, hex).replace(`exp=${now - 1}`, `exp=${now + 3600}`), '/i/a.mp4/x'],
    ['malformed', `exp=${now + 60}~acl=/i/*`, '/i/a.mp4/x'],
    ['malformed', documented(`exp=soon~acl=/i/*`, hex), '/i/a.mp4/x'],
    ['malformed', documented(`acl=/i/*`, hex), '/i/a.mp4/x'],
  ])('refuses: %s', (reason, token, path) => {
    expect(verifyToken(token, path, parseTokenKeys(hex), now)).toEqual({ ok: false, reason });
  });

  it('refuses keys that are not hex or too short', () => {
    expect(() => parseTokenKeys('zz'.repeat(16))).toThrow(/not hex/);
    expect(() => parseTokenKeys('ab'.repeat(8))).toThrow(/shorter than 16 bytes/);
    expect(() => parseTokenKeys(' , ')).toThrow(/empty/);
    expect(parseTokenKeys(`${hex}, ${other}`).map((k) => k.toString('hex'))).toEqual([hex, other]);
  });
});
