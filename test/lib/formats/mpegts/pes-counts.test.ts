// pesCounts reads a segment's own PAT and PMT through the one PSI parser (formats/mpegts/psi.ts).
import { describe, expect, it } from 'vitest';
import { TsFormatError } from '../../../../src/lib/formats/mpegts/errors.js';
import { pesCounts } from '../../../../src/lib/formats/mpegts/pes-counts.js';
import { AUDIO_PID, concat, h264Au, packet, pat, pes, pmt, VIDEO_PID } from '../../../helpers/ts-builder.js';

const audio = () => packet(AUDIO_PID, true, new Uint8Array([0, 0, 1, 0xc0, 0, 0, 0x80, 0, 0, 0xff, 0xf1]));

describe('pesCounts', () => {
  it('counts video and audio PES by the PMT stream types, and sees the tables first', () => {
    const ts = concat(pat(), pmt(), pes(VIDEO_PID, h264Au(true), { pts: 0 }), audio(), pes(VIDEO_PID, h264Au(false), { pts: 3000 }));
    expect(pesCounts(ts)).toEqual({ video: 2, audio: 1, tablesFirst: true });
    expect(pesCounts(concat(pmt(), pat(), audio())).tablesFirst).toBe(false);
    // nothing is counted before a PMT says what the PIDs carry
    expect(pesCounts(concat(pes(VIDEO_PID, h264Au(true), { pts: 0 }), pat(), pmt()))).toMatchObject({ video: 0, audio: 0 });
  });

  it('throws TsFormatError on a PMT whose lengths run past its section, and on a truncated packet', () => {
    const bad = pmt();
    const section = 4 + 1; // after the packet header and the pointer_field
    expect(bad[section]).toBe(0x02); // table_id of a PMT
    bad[section + 11] = 0xff; // program_info_length 255 in a section of 27 bytes
    expect(() => pesCounts(concat(pat(), bad))).toThrow(TsFormatError);
    expect(() => pesCounts(concat(pat(), pmt()).subarray(0, 300))).toThrow(TsFormatError);
  });
});
