import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../../../src/lib/formats/hls/codec.js';
import { raiseTargetDuration } from '../../../../src/lib/formats/hls/target-duration.js';

// Bento4 mp42hls 1.5.0 on a 3.96 s file: TARGETDURATION 3 under a 3.96 s EXTINF (RFC 8216 §4.3.3.1).
const BENTO4 = '#EXTM3U\r\n#EXT-X-VERSION:4\r\n#EXT-X-TARGETDURATION:3\r\n#EXTINF:3.960000,\r\nraw-0.ts\r\n#EXT-X-ENDLIST\r\n';

describe('raiseTargetDuration (RFC 8216 §4.3.3.1)', () => {
  it('raises a TARGETDURATION below the longest rounded EXTINF so the strict parser accepts it', () => {
    expect(() => parseMediaPlaylist(BENTO4)).toThrow(/target duration/);
    const fixed = raiseTargetDuration(BENTO4);
    expect(fixed).toContain('#EXT-X-TARGETDURATION:4\r\n');
    expect(parseMediaPlaylist(fixed).targetDuration).toBe(4);
  });

  it('leaves a valid TARGETDURATION alone', () => {
    const text = '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4.4,\na.ts\n#EXTINF:2,\nb.ts\n';
    expect(raiseTargetDuration(text)).toBe(text);
  });
});
