// The token carried into every URI a playlist answer names (RFC 8216 §4.1), never to another host.
import { describe, expect, it } from 'vitest';
import { carryToken } from '../../../../src/lib/origin/tokens/carry-token.js';

const token = 'exp=1~acl=/i/*~hmac=ab';
const q = `hdnts=${encodeURIComponent(token)}`;

describe('carryToken', () => {
  it('signs URI lines and URI attributes of masters and media playlists, keeping line ends', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio/index.m3u8"',
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="kfonly/index_0_av.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=2',
      'index_0_av.m3u8?x=1',
      '#EXT-X-MAP:URI="init.mp4"',
      '# a comment with URI="x"',
      'https://cdn.example.com/i/a.mp4/segment1_0_av.ts',
      'https://other.example.net/seg.ts',
      '',
    ].join('\r\n');
    expect(carryToken(master, token, ['https://cdn.example.com']).split('\r\n')).toEqual([
      '#EXTM3U',
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio/index.m3u8?${q}"`,
      `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="kfonly/index_0_av.m3u8?${q}"`,
      '#EXT-X-STREAM-INF:BANDWIDTH=2',
      `index_0_av.m3u8?x=1&${q}`,
      `#EXT-X-MAP:URI="init.mp4?${q}"`,
      '# a comment with URI="x"',
      `https://cdn.example.com/i/a.mp4/segment1_0_av.ts?${q}`,
      'https://other.example.net/seg.ts',
      '',
    ]);
  });

  it('leaves a URI that already carries a token alone', () => {
    expect(carryToken(`#EXTM3U\nseg.ts?hdnts=old\n`, token)).toBe(`#EXTM3U\nseg.ts?hdnts=old\n`);
  });
});
