// What trick play answers when a segment's MPEG-TS does not read: the key-frame scanner
// (formats/mpegts/keyframes.ts) throws TsFormatError, mapped to BAD_TS or UNSUPPORTED_MEDIA
// with the scanner's message (docs/trick-play.md).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TsFormatError } from '../../../src/lib/formats/mpegts/errors.js';
import { scanKeyFrames } from '../../../src/lib/formats/mpegts/keyframes.js';
import { CasterpakError } from '../../../src/lib/shared/errors.js';
import { trickPlayError } from '../../../src/lib/trick-play/scan-errors.js';
import { AUDIO_PID, concat, h264Au, packet, pat, pes, pmt, VIDEO_PID } from '../../helpers/ts-builder.js';
import { expectTrickPlayError } from '../../helpers/trick-play-error.js';

describe('trick play on segments the scanner refuses', () => {
  it('passes on anything that is not a TsFormatError as it is', () => {
    const bug = new TypeError('a bug');
    expect(trickPlayError(bug)).toBe(bug);
  });

  it('refuses what is not clear H.264/HEVC in MPEG-TS, naming the file and the offset', () => {
    expectTrickPlayError(() => scanKeyFrames(new Uint8Array(0), 'empty.ts'), 'BAD_TS', /^empty\.ts: empty file at offset 0$/);
    expectTrickPlayError(
      () => scanKeyFrames(new TextEncoder().encode('#EXTM3U\n'.repeat(47)), 'text.ts'),
      'BAD_TS',
      /^text\.ts: no sync byte 0x47 at offset 0$/,
    );
    const good = concat(pat(), pmt(), pes(VIDEO_PID, h264Au(true), { pts: 0 }));
    expectTrickPlayError(
      () => scanKeyFrames(good.subarray(0, good.length - 10), 'cut.ts'),
      'BAD_TS',
      new RegExp(`^cut\\.ts: truncated TS packet at offset ${good.length - 188}`),
    );
    const broken = good.slice();
    broken[564] = 0x46;
    expectTrickPlayError(() => scanKeyFrames(broken, 'sync.ts'), 'BAD_TS', /^sync\.ts: no sync byte 0x47 at offset 564$/);
    const noStartCode = concat(pat(), pmt(), packet(VIDEO_PID, true, new Uint8Array(184).fill(7)));
    expectTrickPlayError(
      () => scanKeyFrames(noStartCode, 'pes.ts'),
      'BAD_TS',
      /^pes\.ts: video packet without a PES start code at offset 376$/,
    );
    expectTrickPlayError(
      () => scanKeyFrames(concat(pat(), pmt([{ type: 0xdb, pid: VIDEO_PID }])), 'aes.ts'),
      'UNSUPPORTED_MEDIA',
      /^aes\.ts: .*SAMPLE-AES.* at offset 188/,
    );
    expectTrickPlayError(
      () => scanKeyFrames(concat(pat(), pmt([{ type: 0x0f, pid: AUDIO_PID }])), 'audio.ts'),
      'UNSUPPORTED_MEDIA',
      /^audio\.ts: no H\.264 or HEVC video stream in the PMT at offset 188 \(stream types: 0x0f\)$/,
    );
    const scrambled = concat(pat(), pmt(), pes(VIDEO_PID, h264Au(true), { pts: 0, scrambled: true }));
    expectTrickPlayError(() => scanKeyFrames(scrambled, 'scr.ts'), 'UNSUPPORTED_MEDIA', /^scr\.ts: scrambled video packet at offset 376/);
    expectTrickPlayError(
      () => scanKeyFrames(concat(pes(VIDEO_PID, h264Au(true), { pts: 0 }), pat()), 'nopmt.ts'),
      'BAD_TS',
      /^nopmt\.ts: no PMT up to offset/,
    );
  });

  it('property: any byte soup with sync bytes ends in a result or a TsFormatError (a CasterpakError for trick play), never another exception', () => {
    const head = concat(pat(), pmt());
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 187, maxLength: 187 }), { maxLength: 30 }), fc.boolean(), (bodies, withPsi) => {
        const packets = bodies.map((body) => concat(new Uint8Array([0x47]), body));
        const bytes = concat(...(withPsi ? [head] : []), ...packets);
        try {
          const scan = scanKeyFrames(bytes, 'fuzz.ts');
          for (const k of scan.keyFrames) {
            expect(k.offset % 188).toBe(0);
            expect(k.size % 188).toBe(0);
            expect(k.offset + k.size).toBeLessThanOrEqual(bytes.length);
          }
        } catch (error) {
          if (!(error instanceof TsFormatError && trickPlayError(error) instanceof CasterpakError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });
});
