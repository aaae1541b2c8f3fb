import { describe, expect, it } from 'vitest';
import { TsFormatError } from '../../../../src/lib/formats/mpegts/errors.js';
import { readPacket } from '../../../../src/lib/formats/mpegts/packet.js';
import {
  patProgramPids,
  pickVideoStream,
  pmtPidFromPat,
  pmtStreams,
  PsiTracker,
  SectionAssembler,
} from '../../../../src/lib/formats/mpegts/psi.js';
import { AUDIO_PID, packet, pat, pmt, pmtSection, PMT_PID, VIDEO_PID } from '../../../helpers/ts-builder.js';

const PAT = [0x00, 0xb0, 17, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x10, 0x00, 0x01, 0xe1, 0x00, 0, 0, 0, 0];

describe('PSI sections (ISO/IEC 13818-1 §2.4.4)', () => {
  it('PAT: skips the network PID (program 0) and returns the first PMT PID', () => {
    expect(pmtPidFromPat(new Uint8Array(PAT), 'x', 0)).toBe(0x100);
  });

  it('PMT: lists stream types and PIDs past descriptors', () => {
    const section = new Uint8Array([
      ...pmtSection([
        { type: 0x0f, pid: 0x101, info: 6 },
        { type: 0x24, pid: 0x100 },
      ]),
      0,
      0,
      0,
      0,
    ]);
    const streams = pmtStreams(section, 'x', 0);
    expect(streams).toEqual([
      { streamType: 0x0f, pid: 0x101 },
      { streamType: 0x24, pid: 0x100 },
    ]);
    expect(pickVideoStream(streams, 'x', 0)).toEqual({ streamType: 0x24, pid: 0x100 });
  });

  it('rejects a malformed section with BAD_TS naming the offset', () => {
    expect(() => pmtPidFromPat(new Uint8Array([0x02, ...PAT.slice(1)]), 'seg.ts', 188)).toThrow('seg.ts: malformed PAT at offset 188');
    const cut = new Uint8Array([...pmtSection([{ type: 0x1b, pid: 0x100, info: 40 }]).slice(0, 20), 0, 0, 0, 0]);
    expect(() => pmtStreams(cut, 'seg.ts', 376)).toThrow('seg.ts: malformed PMT at offset 376');
  });

  it('reassembles a section across packets, honouring the pointer field', () => {
    const assembler = new SectionAssembler();
    const section = [...PAT];
    const first = new Uint8Array([3, 0xee, 0xee, 0xee, ...section.slice(0, 8)]);
    expect(assembler.push(first, 0, first.length, true)).toBeNull();
    const rest = new Uint8Array(section.slice(8));
    expect([...assembler.push(rest, 0, rest.length, false)!]).toEqual(section);
    // a continuation without a start is ignored
    expect(new SectionAssembler().push(rest, 0, rest.length, false)).toBeNull();
  });
});

describe('PSI sections: lengths that lie (bounds checks)', () => {
  // PAT with two programs (0 = network PID, then PMT 0x100) and its CRC_32 placeholder.
  const withLength = (section: readonly number[], length: number) => {
    const copy = Uint8Array.from(section);
    copy[1] = (copy[1]! & 0xf0) | (length >> 8);
    copy[2] = length & 0xff;
    return copy;
  };

  it('refuses a PAT or PMT whose section_length is not its length', () => {
    expect(() => patProgramPids(withLength(PAT, 40), 'seg.ts', 0)).toThrow(TsFormatError);
    expect(() => patProgramPids(withLength(PAT, 13), 'seg.ts', 0)).toThrow('seg.ts: malformed PAT at offset 0');
    const pmt = [...pmtSection([{ type: 0x1b, pid: 0x100 }]), 0, 0, 0, 0];
    expect(pmtStreams(Uint8Array.from(pmt), 'x', 0)).toHaveLength(1);
    expect(() => pmtStreams(withLength(pmt, pmt.length), 'x', 0)).toThrow(TsFormatError);
    expect(() => pmtStreams(withLength(pmt, pmt.length - 4), 'x', 0)).toThrow(TsFormatError);
  });

  it('refuses a PMT whose program_info_length or ES_info_length runs past the section', () => {
    const pmt = [...pmtSection([{ type: 0x1b, pid: 0x100 }]), 0, 0, 0, 0];
    const programInfo = Uint8Array.from(pmt);
    programInfo[11] = 200;
    expect(() => pmtStreams(programInfo, 'seg.ts', 376)).toThrow('seg.ts: malformed PMT at offset 376');
    const esInfo = Uint8Array.from(pmt);
    esInfo[16] = 6; // the stream's ES_info_length: 6 bytes of descriptors that are not there
    expect(() => pmtStreams(esInfo, 'x', 0)).toThrow(TsFormatError);
  });

  it('refuses sections too short for their header, and the wrong table', () => {
    expect(() => patProgramPids(Uint8Array.from([0x00, 0xb0, 5, 0, 1, 0xc1, 0, 0]), 'x', 0)).toThrow(TsFormatError);
    expect(() => pmtStreams(Uint8Array.from([0x02, 0xb0, 9, 0, 1, 0xc1, 0, 0, 0xe1, 0, 0xf0, 0]), 'x', 0)).toThrow(TsFormatError);
    expect(() => pmtStreams(Uint8Array.from(PAT), 'x', 0)).toThrow(TsFormatError);
  });

  it('lists every program of a PAT but the network PID', () => {
    const two = [0x00, 0xb0, 21, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x10, 0x00, 0x01, 0xe1, 0x00, 0x00, 0x02, 0xe2, 0x00];
    expect(patProgramPids(Uint8Array.from([...two, 0, 0, 0, 0]), 'x', 0)).toEqual([0x100, 0x200]);
  });
});

describe('PsiTracker: the tables of a stream read packet by packet', () => {
  it('learns the PMT PIDs from the PAT and the stream types from the PMT, across packets', () => {
    const tables = new PsiTracker();
    expect(tables.push(readPacket(pmt()), 0)).toBe(false); // not yet known as a PMT
    expect(tables.push(readPacket(pat()), 0)).toBe(true);
    expect([...tables.pmtPids]).toEqual([PMT_PID]);
    // a PMT whose descriptors carry it into a second packet
    const section = [
      ...pmtSection([
        { type: 0x1b, pid: VIDEO_PID, info: 170 },
        { type: 0x0f, pid: AUDIO_PID },
      ]),
      0,
      0,
      0,
      0,
    ];
    const first = packet(PMT_PID, true, Uint8Array.from([0, ...section.slice(0, 183)]));
    const second = packet(PMT_PID, false, Uint8Array.from(section.slice(183)));
    expect(tables.push(readPacket(first), 188)).toBe(true);
    expect(tables.streamTypes.size).toBe(0);
    expect(tables.push(readPacket(second), 376)).toBe(true);
    expect([...tables.streamTypes]).toEqual([
      [VIDEO_PID, 0x1b],
      [AUDIO_PID, 0x0f],
    ]);
    expect(tables.push(readPacket(packet(VIDEO_PID, true, new Uint8Array(10))), 564)).toBe(false);
  });

  it('throws TsFormatError on a PAT whose section_length is shorter than its header', () => {
    const bad = pat();
    bad[7] = 5; // after the header (4) and pointer_field (1): table_id, then section_length 5, short of header and CRC_32
    const tables = new PsiTracker();
    expect(() => {
      tables.push(readPacket(bad), 0);
    }).toThrow(TsFormatError);
  });
});
