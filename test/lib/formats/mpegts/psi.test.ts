import { describe, expect, it } from 'vitest';
import { pickVideoStream, pmtPidFromPat, pmtStreams, SectionAssembler } from '../../../../src/lib/formats/mpegts/psi.js';
import { pmtSection } from '../../../helpers/ts-builder.js';

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
