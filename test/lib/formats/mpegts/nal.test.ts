import { describe, expect, it } from 'vitest';
import { AccessUnitScanner, nalType, PARAM_PPS, PARAM_SPS, startsWithAud } from '../../../../src/lib/formats/mpegts/nal.js';
import { concat, nal } from '../../../helpers/ts-builder.js';

describe('Annex-B NAL scanning (H.264/H.265 Annex B)', () => {
  it('reads nal_unit_type for both codecs (H.264 §7.3.1, H.265 §7.3.1.2)', () => {
    expect(nalType(0x65, false)).toBe(5);
    expect(nalType(0x26, true)).toBe(19);
    expect(nalType(0x46, true)).toBe(35);
  });

  it('recognises an access unit delimiter after a 3- or 4-byte start code', () => {
    expect(startsWithAud(new Uint8Array([0, 0, 1, 0x09, 0xf0]), 0, 5, false)).toBe(true);
    expect(startsWithAud(new Uint8Array([0, 0, 0, 1, 0x46, 1]), 0, 6, true)).toBe(true);
    expect(startsWithAud(new Uint8Array([0, 0, 1, 0x65]), 0, 4, false)).toBe(false);
    expect(startsWithAud(new Uint8Array([0x12, 0, 0, 1, 0x09]), 0, 5, false)).toBe(false);
  });

  it('stops at the first VCL NAL unit, noting parameter sets and capturing the SPS, across chunk boundaries', () => {
    const es = concat(nal(9, 1), nal(7, 30), nal(8, 4), nal(5, 50), nal(7, 5));
    const scanner = new AccessUnitScanner(false);
    scanner.startAccessUnit();
    for (let at = 0; at < es.length && !scanner.vclFound; at += 7) scanner.scan(es, at, Math.min(es.length, at + 7));
    expect(scanner.vclFound).toBe(true);
    expect(scanner.key).toBe(true);
    expect(scanner.paramSets).toBe(PARAM_SPS | PARAM_PPS);
    expect(scanner.hasParamSets()).toBe(true);
    expect([...scanner.sps.subarray(0, 30)]).toEqual(new Array(30).fill(0xaa));
  });

  it('a non-IDR slice is not a key frame; a new access unit resets the state', () => {
    const scanner = new AccessUnitScanner(false);
    scanner.startAccessUnit();
    const p = concat(nal(9, 1), nal(1, 10));
    scanner.scan(p, 0, p.length);
    expect([scanner.vclFound, scanner.key]).toEqual([true, false]);
    scanner.startAccessUnit();
    expect([scanner.vclFound, scanner.paramSets]).toEqual([false, 0]);
  });
});
