// The one packet reader and writer (ISO/IEC 13818-1 §2.4.3.2, §2.4.3.4), on well-formed and
// malformed packets: every malformed one is a TsFormatError, never a read past the packet.
import { describe, expect, it } from 'vitest';
import { TsFormatError } from '../../../../src/lib/formats/mpegts/errors.js';
import {
  TS_PACKET_SIZE,
  buildPacket,
  packetPid,
  payloadCapacity,
  payloadOffset,
  payloadUnitStart,
  readPacket,
} from '../../../../src/lib/formats/mpegts/packet.js';
import { packet, VIDEO_PID } from '../../../helpers/ts-builder.js';

const bits = { priority: false, scrambling: 0 };

describe('MPEG-TS packets', () => {
  it('reads the header and payload of a stuffed packet as the fast readers do', () => {
    const payload = Uint8Array.from({ length: 100 }, (_, i) => i);
    const bytes = packet(VIDEO_PID, true, payload);
    const info = readPacket(bytes);
    expect(info).toMatchObject({ pid: VIDEO_PID, unitStart: true, hasPayload: true });
    expect([...info.payload]).toEqual([...payload]);
    expect(packetPid(bytes, 0)).toBe(info.pid);
    expect(payloadUnitStart(bytes, 0)).toBe(true);
    expect(payloadOffset(bytes, 0, 'x')).toBe(TS_PACKET_SIZE - payload.length);
  });

  it('builds packets that read back to the same payload and adaptation field content', () => {
    const pcr = Uint8Array.from([0x10, 1, 2, 3, 4, 5, 6]); // flags with PCR, then the 6 PCR bytes
    for (const size of [1, 100, payloadCapacity(pcr)]) {
      const payload = new Uint8Array(size).fill(0xab);
      const built = buildPacket(0x123, true, 7, pcr, payload, bits);
      const info = readPacket(built);
      expect(info).toMatchObject({ pid: 0x123, unitStart: true });
      expect([...info.afContent]).toEqual([...pcr]);
      expect(info.payload.length).toBe(size);
      expect(built[3]! & 15).toBe(7);
    }
    expect(readPacket(buildPacket(0x42, false, 0, new Uint8Array(0), new Uint8Array(TS_PACKET_SIZE - 5), bits)).payload.length).toBe(
      TS_PACKET_SIZE - 5,
    );
  });

  it('refuses payloads that do not fit one packet', () => {
    expect(() => buildPacket(1, false, 0, new Uint8Array(0), new Uint8Array(0), bits)).toThrow(TsFormatError);
    expect(() => buildPacket(1, false, 0, new Uint8Array(0), new Uint8Array(TS_PACKET_SIZE - 3), bits)).toThrow(TsFormatError);
  });

  it('throws TsFormatError on truncated, unsynced and malformed packets', () => {
    const good = packet(VIDEO_PID, false, new Uint8Array(10).fill(1));
    const variants: Array<[string, Uint8Array]> = [
      ['truncated', good.subarray(0, TS_PACKET_SIZE - 1)],
      ['empty', new Uint8Array(0)],
      ['longer than a packet', new Uint8Array([...good, 0])],
      ['no sync byte', Uint8Array.from(good, (b, i) => (i === 0 ? 0x46 : b))],
      ['reserved adaptation_field_control', Uint8Array.from(good, (b, i) => (i === 3 ? b & 0xcf : b))],
      ['adaptation field of 183 bytes with a payload', Uint8Array.from(good, (b, i) => (i === 4 ? 183 : b))],
      ['adaptation field past the packet', Uint8Array.from(good, (b, i) => (i === 3 ? (b & 0xcf) | 0x20 : i === 4 ? 184 : b))],
      // flags say PCR and OPCR (12 bytes) in an adaptation field of 5
      ['optional fields past the adaptation field', Uint8Array.from(good, (b, i) => (i === 4 ? 5 : i === 5 ? 0x18 : b))],
    ];
    for (const [what, bytes] of variants) expect(() => readPacket(bytes), what).toThrow(TsFormatError);
  });

  it('payloadOffset: no payload is -1; an adaptation field too long for a payload is a TsFormatError naming the offset', () => {
    const afOnly = packet(VIDEO_PID, false, new Uint8Array(10));
    afOnly[3] = (afOnly[3]! & 0xcf) | 0x20;
    expect(payloadOffset(afOnly, 0, 'x')).toBe(-1);
    const tooLong = Uint8Array.from(packet(VIDEO_PID, false, new Uint8Array(10)), (b, i) => (i === 4 ? 183 : b));
    const twice = new Uint8Array([...new Uint8Array(TS_PACKET_SIZE), ...tooLong]);
    expect(() => payloadOffset(twice, TS_PACKET_SIZE, 'seg.ts')).toThrow(
      new TsFormatError('seg.ts: adaptation field length 183 too large at offset 188'),
    );
  });
});
