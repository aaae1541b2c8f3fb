import { describe, expect, it } from 'vitest';
import { TS_PACKET_SIZE, TS_SYNC_BYTE } from '../../../../src/lib/formats/mpegts/packet.js';
import { tsFramingError, tsSyncError } from '../../../../src/lib/formats/mpegts/sync-check.js';

const packets = (n: number) => {
  const bytes = Buffer.alloc(n * TS_PACKET_SIZE, 0xff);
  for (let i = 0; i < n; i++) bytes[i * TS_PACKET_SIZE] = TS_SYNC_BYTE;
  return bytes;
};

describe('tsFramingError', () => {
  it('accepts whole packets that each start with 0x47 (ISO/IEC 13818-1 §2.4.3.2)', () => {
    expect(TS_PACKET_SIZE).toBe(188);
    expect(TS_SYNC_BYTE).toBe(0x47);
    expect(tsFramingError(packets(1))).toBeNull();
    expect(tsFramingError(packets(100))).toBeNull();
  });

  it('refuses an empty file', () => {
    expect(tsFramingError(new Uint8Array(0))).toBe('empty file');
  });

  it('refuses a size that is not a multiple of 188', () => {
    expect(tsFramingError(packets(3).subarray(0, 3 * 188 - 1))).toBe(`size ${3 * 188 - 1} is not a multiple of 188`);
  });

  it('names the offset of the first packet without a sync byte', () => {
    const bytes = packets(5);
    bytes[3 * 188] = 0x00;
    expect(tsFramingError(bytes)).toBe(`no sync byte at offset ${3 * 188}`);
  });

  it('refuses an MP4 that happens to be a multiple of 188 bytes', () => {
    const mp4 = Buffer.alloc(188 * 2);
    mp4.write('ftyp', 4, 'latin1');
    expect(tsFramingError(mp4)).toBe('no sync byte at offset 0');
  });
});

describe('tsSyncError', () => {
  it('checks a chunk that starts on a packet boundary and counts offsets from baseOffset', () => {
    const bytes = packets(4);
    expect(tsSyncError(bytes, 188 * 1000)).toBeNull();
    bytes[2 * 188] = 0x48;
    expect(tsSyncError(bytes, 188 * 1000)).toBe(`no sync byte at offset ${188 * 1002}`);
  });

  it('accepts a last chunk that ends mid-packet (the size is checked apart)', () => {
    expect(tsSyncError(packets(2).subarray(0, 200))).toBeNull();
  });
});
