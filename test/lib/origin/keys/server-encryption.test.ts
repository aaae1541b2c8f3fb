// serve --encrypt aes-128 on a real origin (docs/security.md), checked against what the test
// computes itself from the documented rules: the key is HKDF-SHA256 of the secret with the key's
// path, a segment is AES-128-CBC with PKCS7 of the clear segment with its number as IV (RFC 8216
// §5.2), the same bytes whether the clear segment was made alone or by `package`; ffmpeg
// decrypts and decodes the stream through the key URI; I-frame byte ranges decrypt as hls.js
// reads them (16-byte-aligned, the block before as IV); the token reaches the key URI.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../../helpers/origin.js';
import { runCli } from '../../../helpers/cli.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { FFMPEG } from '../../renditions/helpers/media-probe.js';

const secret = randomBytes(32).toString('hex');
const keyOf = (renditionPath: string, name: string, hex = secret) =>
  Buffer.from(hkdfSync('sha256', Buffer.from(hex, 'hex'), 'casterpak hls aes-128', `${renditionPath}/${name}`, 16));
const ivOf = (segment: number) => Buffer.from(segment.toString(16).padStart(32, '0'), 'hex');
const encrypt = (clear: Buffer, key: Buffer, iv: Buffer) => {
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(clear), cipher.final()]);
};
const bytes = async (response: Response) => Buffer.from(await response.arrayBuffer());
const encrypted = (overrides: Record<string, unknown> = {}) =>
  startOrigin({ 'film.mp4': 'tracks.mp4' }, { serve: { encrypt: 'aes-128', keySecret: secret, ...overrides } });

describe('--encrypt aes-128', () => {
  it('names the key in the media playlist and serves it privately: HKDF of the secret and its path', async () => {
    const t = await encrypted();
    const playlist = await (await t.get('/i/film.mp4/index_0_av.m3u8')).text();
    const tag = /^#EXT-X-KEY:METHOD=AES-128,URI="(key_0_av\.key\?k=[0-9a-f]{8})"$/m.exec(playlist);
    expect(tag, playlist).not.toBeNull();
    expect(playlist.match(/^#EXT-X-KEY/gm)).toHaveLength(1); // IV implied: segment number = media sequence number
    expect(playlist).toMatch(/^#EXT-X-MEDIA-SEQUENCE:1$/m);
    const key = await t.get(`/i/film.mp4/${tag![1]}`);
    expect(key.status).toBe(200);
    expect(key.headers.get('cache-control')).toBe('private, no-store');
    expect(await bytes(key)).toEqual(keyOf('film.mp4', 'key_0_av.key'));
    const audio = await (await t.get('/i/film.mp4/index_0_a2.m3u8')).text();
    expect(audio).toMatch(/^#EXT-X-KEY:METHOD=AES-128,URI="key_0_a2\.key\?k=[0-9a-f]{8}"$/m);
    expect(await bytes(await t.get('/i/film.mp4/key_0_a2.key'))).toEqual(keyOf('film.mp4', 'key_0_a2.key'));
  });

  it('encrypts each segment whole with its number as IV, the same bytes as `package` encrypted', async () => {
    const t = await encrypted();
    await t.get('/i/film.mp4/index_0_av.m3u8');
    const sent = await t.get('/i/film.mp4/segment2_0_av.ts');
    const body = await bytes(sent);
    expect(Number(sent.headers.get('content-length'))).toBe(body.length);
    await t.settled(); // answered while it was committed
    const clear = readFileSync(path.join(t.cacheDir, 'film.mp4', 'segment2_0_av.ts'));
    expect(body.length).toBe((Math.floor(clear.length / 16) + 1) * 16);
    expect(body).toEqual(encrypt(clear, keyOf('film.mp4', 'key_0_av.key'), ivOf(2)));
    // A range is a range of the encrypted segment (RFC 9110 §14); past its end, 416.
    const part = await t.get('/i/film.mp4/segment2_0_av.ts', { Range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${body.length}`);
    expect(await bytes(part)).toEqual(body.subarray(1000, 2000));
    const tail = await t.get('/i/film.mp4/segment2_0_av.ts', { Range: 'bytes=-20' });
    expect(await bytes(tail)).toEqual(body.subarray(body.length - 20));
    expect((await t.get('/i/film.mp4/segment2_0_av.ts', { Range: `bytes=${body.length}-` })).status).toBe(416);
    // Its own validator: the clear segment's is not the encrypted one's, and a revalidation is a 304.
    const etag = sent.headers.get('etag')!;
    expect(etag).toMatch(/-aes-[0-9a-f]{8}"$/);
    const again = await t.get('/i/film.mp4/segment2_0_av.ts', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const out = tempDir('casterpak-package-');
    const args = ['package', path.join(t.sourceRoot, 'film.mp4'), '--as', 'film.mp4', '--cache-dir', out, '--segment-duration', '4'];
    const run = await runCli(args, { cwd: out });
    expect(run.code, run.stderr).toBe(0);
    const packaged = readFileSync(path.join(out, 'film.mp4', 'segment2_0_av.ts'));
    expect(encrypt(packaged, keyOf('film.mp4', 'key_0_av.key'), ivOf(2))).toEqual(body);
    const audio = await bytes(await t.get('/i/film.mp4/segment1_0_a2.ts'));
    const decipher = createDecipheriv('aes-128-cbc', keyOf('film.mp4', 'key_0_a2.key'), ivOf(1));
    const audioClear = Buffer.concat([decipher.update(audio), decipher.final()]);
    expect(audioClear).toEqual(readFileSync(path.join(t.cacheDir, 'film.mp4', 'segment1_0_a2.ts')));
  });

  it('ffmpeg decrypts and decodes the stream through the key URI: no errors, every frame', async () => {
    const t = await encrypted();
    const count = async (input: string, extra: string[], map = '0:v') => {
      const { stdout, stderr } = await promisify(execFile)(FFMPEG, [
        ...extra,
        '-v',
        'error',
        '-i',
        input,
        '-map',
        map,
        '-f',
        'framemd5',
        '-',
      ]);
      return { frames: stdout.split('\n').filter((line) => /^\d/.test(line)).length, stderr };
    };
    const hls = await count(`${t.url}/i/film.mp4/index_0_av.m3u8`, ['-allowed_extensions', 'ALL']);
    expect(hls.stderr).toBe('');
    const source = await count(path.join(t.sourceRoot, 'film.mp4'), []);
    expect(hls.frames).toBeGreaterThan(0);
    expect(hls.frames).toBe(source.frames);
    // An alternate audio rendition, through its own key.
    const audio = await count(`${t.url}/i/film.mp4/index_0_a2.m3u8`, ['-allowed_extensions', 'ALL'], '0:a');
    expect(audio.stderr).toBe('');
    expect(audio.frames).toBeGreaterThan(0);
  });

  it("an I-frame playlist's byte ranges decrypt as hls.js reads them: from the block before, 16-byte-aligned", async () => {
    const t = await encrypted();
    const playlist = await (await t.get('/i/film.mp4/kfonly/index_0_av.m3u8')).text();
    const entries = [...playlist.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n\.\.\/segment(\d+)_0_av\.ts\?k=[0-9a-f]{8}/g)];
    expect(entries.length).toBeGreaterThan(1);
    const lines = playlist.split('\n');
    const key = keyOf('film.mp4', 'key_0_av.key');
    for (const [, length, offset, segment] of entries) {
      const [start, end] = [Number(offset), Number(offset) + Number(length)];
      // The IV of the entry's segment, explicit: hls.js reads the PAT and PMT before the first
      // key frame as an initialization section, which has no sequence number to imply one.
      const at = lines.findIndex((line) => line.startsWith(`../segment${segment}_0_av.ts`));
      const tag = lines
        .slice(0, at)
        .reverse()
        .find((line) => line.startsWith('#EXT-X-KEY'))!;
      const iv = /IV=0x([0-9a-f]{32})/.exec(tag)?.[1];
      expect(iv).toBe(ivOf(Number(segment)).toString('hex'));
      // hls.js's request: from the block before the aligned start (the IV) to a whole block.
      const aligned = Math.floor(start / 16) * 16;
      const from = aligned >= 16 ? aligned - 16 : 0;
      const range = `bytes=${from}-${Math.ceil(end / 16) * 16 - 1}`;
      const answer = await t.get(`/i/film.mp4/segment${segment}_0_av.ts`, { Range: range });
      expect(answer.status).toBe(206);
      const cipher = await bytes(answer);
      const decipher = createDecipheriv('aes-128-cbc', key, aligned >= 16 ? cipher.subarray(0, 16) : ivOf(Number(segment)));
      decipher.setAutoPadding(false);
      const clear = Buffer.concat([decipher.update(cipher.subarray(aligned - from)), decipher.final()]);
      await t.settled(); // answered while it was committed
      const wanted = readFileSync(path.join(t.cacheDir, 'film.mp4', `segment${segment}_0_av.ts`)).subarray(start, end);
      expect(clear.subarray(start - aligned, end - aligned)).toEqual(wanted);
      expect(wanted[0]).toBe(0x47);
    }
  });

  it('with --require-token the key URI carries the token and is refused without it', async () => {
    const tokenSecret = randomBytes(16).toString('hex');
    const t = await encrypted({ requireToken: true, tokenSecret });
    const fields = `exp=${Math.floor(Date.now() / 1000) + 600}~acl=/i/film.mp4/*`;
    const token = `${fields}~hmac=${createHmac('sha256', Buffer.from(tokenSecret, 'hex')).update(fields).digest('hex')}`;
    const playlist = await (await t.get(`/i/film.mp4/index_0_av.m3u8?hdnts=${encodeURIComponent(token)}`)).text();
    const uri = /URI="([^"]+)"/.exec(playlist)![1];
    expect(uri).toMatch(/^key_0_av\.key\?k=[0-9a-f]{8}&hdnts=/);
    expect(await bytes(await t.get(`/i/film.mp4/${uri}`))).toEqual(keyOf('film.mp4', 'key_0_av.key'));
    expect((await t.get(`/i/film.mp4/${uri.replace(/&hdnts=.*/, '')}`)).status).toBe(403);
    expect((await t.get('/i/film.mp4/segment1_0_a2.ts')).status).toBe(403); // alternate audio is gated too
  });

  it('a rotated secret: the first encrypts new playlists, an older one still serves its players, a removed one is 404', async () => {
    const fresh = randomBytes(16).toString('hex');
    const t = await startOrigin({ 'film.mp4': 'tracks.mp4' }, { serve: { encrypt: 'aes-128', keySecret: `${fresh},${secret}` } });
    const id = /k=([0-9a-f]{8})/.exec(await (await t.get('/i/film.mp4/index_0_av.m3u8')).text())![1];
    expect(await bytes(await t.get(`/i/film.mp4/key_0_av.key?k=${id}`))).toEqual(keyOf('film.mp4', 'key_0_av.key', fresh));
    const oldId = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'hex'), 'casterpak hls aes-128', 'key id', 4)).toString('hex');
    expect(await bytes(await t.get(`/i/film.mp4/key_0_av.key?k=${oldId}`))).toEqual(keyOf('film.mp4', 'key_0_av.key'));
    const old = await bytes(await t.get(`/i/film.mp4/segment1_0_av.ts?k=${oldId}`));
    await t.settled(); // answered before its rendition was committed
    const clear = readFileSync(path.join(t.cacheDir, 'film.mp4', 'segment1_0_av.ts'));
    expect(old).toEqual(encrypt(clear, keyOf('film.mp4', 'key_0_av.key'), ivOf(1)));
    expect((await t.get('/i/film.mp4/segment1_0_av.ts?k=00000000')).status).toBe(404);
  });

  it('serves no fMP4 or DASH form, which it cannot encrypt, and lists none in a master', async () => {
    const t = await startOrigin({ 'film.mp4': 'tracks.mp4', 'h.mp4': 'hevc.mp4' }, { serve: { encrypt: 'aes-128', keySecret: secret } });
    for (const url of [
      '/i/film.mp4/fmp4/master.m3u8',
      '/i/film.mp4/fmp4/init_0_v.mp4',
      '/i/film.mp4/fmp4/segment1_0_v.m4s',
      '/i/film.mp4/manifest.mpd',
    ]) {
      const response = await t.get(url);
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).toMatch(/not served with serve --encrypt/);
    }
    expect(await (await t.get('/i/h.mp4/master.m3u8')).text()).not.toMatch(/fmp4\//);
    const clear = await startOrigin({ 'h.mp4': 'hevc.mp4' });
    expect(await (await clear.get('/i/h.mp4/master.m3u8')).text()).toMatch(/fmp4\//); // the fixture does get one when clear
  });

  it('refuses to start without a secret, and serves no key when encryption is off', async () => {
    await expect(startOrigin({ 'film.mp4': 'tracks.mp4' }, { serve: { encrypt: 'aes-128' } })).rejects.toThrow(/CASTERPAK_KEY_SECRET/);
    const t = await startOrigin({ 'film.mp4': 'tracks.mp4' });
    expect((await t.get('/i/film.mp4/key_0_av.key')).status).toBe(404);
    expect(await (await t.get('/i/film.mp4/index_0_av.m3u8')).text()).not.toContain('EXT-X-KEY');
  });
});
