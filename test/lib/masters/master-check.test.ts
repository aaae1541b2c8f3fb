import { describe, expect, it } from 'vitest';
import { assertMasterPlaylist } from '../../../src/lib/masters/master-check.js';

describe('assertMasterPlaylist', () => {
  it('returns the parsed master', () => {
    const master = assertMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n', 'm');
    expect(master.variants.map((variant) => variant.uri)).toEqual(['a.m3u8']);
  });

  it.each([
    ['', 'up: empty body, not a playlist'],
    ['  \n', 'up: empty body, not a playlist'],
    ['<html><body>Bad Gateway</body></html>', 'up: an HTML/XML page, not an HLS playlist'],
    ['{"error":1}', 'up: not an HLS playlist (starts with "{\\"error\\":1}")'],
    ['#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\ns.ts\n#EXT-X-ENDLIST\n', 'up: a media playlist, not a master playlist'],
    ['#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="k.m3u8"\n', 'up: a master playlist without EXT-X-STREAM-INF variants'],
  ])('refuses %j in one line', (text, message) => {
    expect(() => assertMasterPlaylist(text, 'up')).toThrow(expect.objectContaining({ code: 'BAD_PLAYLIST', message }));
  });

  it('passes on hls-parser strict errors with the source', () => {
    expect(() => assertMasterPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n', 'up')).toThrow(/^up: invalid master playlist/);
  });
});
