// --require-token over the fMP4 form and DASH: unsigned requests for any of their files are
// refused; a signed fMP4 master carries the token into its playlists, and they into EXT-X-MAP and
// every segment URI, all of which answer 200.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../../helpers/origin.js';

const secret = randomBytes(32).toString('hex');
const sign = (fields: string) => `${fields}~hmac=${createHmac('sha256', Buffer.from(secret, 'hex')).update(fields).digest('hex')}`;
const uris = (playlist: string) => [
  ...playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#')),
  ...[...playlist.matchAll(/URI="([^"]*)"/g)].map((m) => m[1]),
];

describe('--require-token: the fMP4 form and DASH', () => {
  it('refuses unsigned requests; a signed master carries the token down to every init and media segment', async () => {
    const origin = await startOrigin({ 'av.mp4': 'av.mp4' }, { serve: { requireToken: true, tokenSecret: secret, readAhead: 0 } });
    for (const file of ['fmp4/master.m3u8', 'fmp4/index_0_v.m3u8', 'fmp4/init_0_v.mp4', 'fmp4/segment1_0_a2.m4s', 'manifest.mpd'])
      expect((await origin.get(`/i/av.mp4/${file}`)).status, file).toBe(403);
    const token = sign(`exp=${Math.floor(Date.now() / 1000) + 3600}~acl=/i/av.mp4/*`);
    const masterUrl = `${origin.url}/i/av.mp4/fmp4/master.m3u8?hdnts=${encodeURIComponent(token)}`;
    const master = await fetch(masterUrl);
    expect(master.status).toBe(200);
    const playlists = uris(await master.text()).map((uri) => new URL(uri, masterUrl));
    expect(playlists).toHaveLength(3); // the video playlist, the audio rendition's and the I-frame playlist
    let files = 0;
    for (const playlist of playlists) {
      expect(playlist.searchParams.get('hdnts')).toBe(token);
      const response = await fetch(playlist);
      expect(response.status).toBe(200);
      for (const uri of uris(await response.text())) {
        const file = new URL(uri, playlist);
        expect(file.searchParams.get('hdnts'), uri).toBe(token);
        expect((await fetch(file)).status, uri).toBe(200);
        files++;
      }
    }
    expect(files).toBe(3 * (1 + 3)); // per playlist: an init segment and three media segments
    const mpd = await origin.get(`/i/av.mp4/manifest.mpd?hdnts=${encodeURIComponent(token)}`);
    expect(mpd.status).toBe(200);
  });
});
