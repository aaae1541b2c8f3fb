// Transport Stream packets (ISO/IEC 13818-1 §2.4.3.2, §2.4.3.4): the one reader of packet
// headers and adaptation fields, and the writer of a packet around a payload with stuffing.
//   byte 0   sync_byte 0x47
//   byte 1   transport_error_indicator(1) payload_unit_start_indicator(1) transport_priority(1) PID[12..8](5)
//   byte 2   PID[7..0]
//   byte 3   transport_scrambling_control(2) adaptation_field_control(2) continuity_counter(4)
//   byte 4   adaptation_field_length, when adaptation_field_control has bit 2 (values 2, 3)
import { TsFormatError } from './errors.js';

// Fixed values of the transport stream syntax (§2.4.3.2, table 2-3).
export const TS_PACKET_SIZE = 188;
/** The most a packet carries: everything after its 4-byte header when it has no adaptation field. */
export const TS_PAYLOAD_SIZE = TS_PACKET_SIZE - 4;
export const TS_SYNC_BYTE = 0x47;
export const PAT_PID = 0x0000;
export const NULL_PID = 0x1fff;

// The per-packet readers are tiny so V8 inlines them into the scanners' loops.
export function packetPid(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 1]! & 0x1f) << 8) | bytes[offset + 2]!;
}

export function payloadUnitStart(bytes: Uint8Array, offset: number): boolean {
  return (bytes[offset + 1]! & 0x40) !== 0;
}

// Offset of the first payload byte, or -1 when the packet carries no payload.
// adaptation_field_control: 1 payload only, 2 adaptation field only, 3 both (0 is reserved).
export function payloadOffset(bytes: Uint8Array, offset: number, name: string): number {
  const control = (bytes[offset + 3]! >> 4) & 0x03;
  if ((control & 0x01) === 0) return -1;
  if ((control & 0x02) === 0) return offset + 4;
  // §2.4.3.5: with a payload the adaptation field is 0..182 bytes long.
  const length = bytes[offset + 4]!;
  if (length > TS_PACKET_SIZE - 6) {
    throw new TsFormatError(`${name}: adaptation field length ${length} too large at offset ${offset}`);
  }
  return offset + 5 + length;
}

// One packet, decoded whole (for the continuity normaliser and the segment checks).
export interface PacketInfo {
  readonly pid: number;
  readonly unitStart: boolean;
  readonly hasPayload: boolean;
  /** The adaptation field minus its stuffing: flags byte and optional fields; empty when none or flags are 0. */
  readonly afContent: Uint8Array;
  readonly payload: Uint8Array;
}

// The optional fields' length follows from the flags (§2.4.3.4):
//   u8 flags: discontinuity 0x80, random_access 0x40, ES_priority 0x20, PCR 0x10, OPCR 0x08,
//   splicing_point 0x04, transport_private_data 0x02, adaptation_field_extension 0x01;
//   then PCR (6 bytes), OPCR (6), splice_countdown (1), u8 length + private data, u8 length + extension.
function contentLength(packet: Uint8Array, at: number, end: number): number {
  const flags = packet[at]!;
  let p = at + 1;
  if (flags & 0x10) p += 6;
  if (flags & 0x08) p += 6;
  if (flags & 0x04) p += 1;
  if (flags & 0x02) p += 1 + (p < end ? packet[p]! : 0);
  if (flags & 0x01) p += 1 + (p < end ? packet[p]! : 0);
  if (p > end) throw new TsFormatError(`adaptation field fields overrun its length`);
  return p - at;
}

// readPacket's checks without building a PacketInfo, for scanners that look at every packet of
// a segment: where the payload of the packet at `at` starts in `bytes`, or -1 without payload.
export function checkedPayloadStart(bytes: Uint8Array, at: number): number {
  if (at < 0 || at + TS_PACKET_SIZE > bytes.length || bytes[at] !== TS_SYNC_BYTE) throw new TsFormatError('lost packet sync');
  const control = (bytes[at + 3]! >> 4) & 3;
  if (control === 0) throw new TsFormatError(`PID ${packetPid(bytes, at)}: reserved adaptation_field_control 0`);
  if ((control & 2) === 0) return at + 4;
  const length = bytes[at + 4]!;
  // §2.4.3.5: 183 bytes without a payload, 0..182 with one.
  const max = control === 2 ? TS_PACKET_SIZE - 5 : TS_PACKET_SIZE - 6;
  if (length > max) throw new TsFormatError(`PID ${packetPid(bytes, at)}: adaptation field length ${length} > ${max}`);
  if (length > 0 && bytes[at + 5] !== 0) contentLength(bytes, at + 5, at + 5 + length);
  return control & 1 ? at + 5 + length : -1;
}

export function readPacket(packet: Uint8Array): PacketInfo {
  if (packet.length !== TS_PACKET_SIZE) throw new TsFormatError('lost packet sync');
  const payloadAt = checkedPayloadStart(packet, 0);
  const control = (packet[3]! >> 4) & 3;
  const length = packet[4]!;
  const afContent =
    control & 2 && length > 0 && packet[5] !== 0 ? packet.slice(5, 5 + contentLength(packet, 5, 5 + length)) : new Uint8Array(0);
  return {
    pid: packetPid(packet, 0),
    unitStart: payloadUnitStart(packet, 0),
    hasPayload: payloadAt >= 0,
    afContent,
    payload: payloadAt >= 0 ? packet.subarray(payloadAt) : new Uint8Array(0),
  };
}

// Room for payload once a packet carries `afContent` (an adaptation field needs its length byte).
export const payloadCapacity = (afContent: Uint8Array): number =>
  afContent.length ? TS_PACKET_SIZE - 5 - afContent.length : TS_PACKET_SIZE - 4;

// A packet with payload, its adaptation field holding `afContent` then 0xFF stuffing up to
// TS_PACKET_SIZE bytes (a lone length byte 0 when exactly one byte is missing). `headerBits` keeps the
// original transport_priority (0x2000 of bytes 1-2) and scrambling control (0xc0 of byte 3).
export function buildPacket(
  pid: number,
  unitStart: boolean,
  cc: number,
  afContent: Uint8Array,
  payload: Uint8Array,
  headerBits: { readonly priority: boolean; readonly scrambling: number },
): Uint8Array {
  if (payload.length < 1 || payload.length > payloadCapacity(afContent)) {
    throw new TsFormatError(`PID ${pid}: ${payload.length} payload bytes do not fit one packet`);
  }
  const packet = new Uint8Array(TS_PACKET_SIZE);
  const af = TS_PACKET_SIZE - 4 - payload.length;
  packet[0] = TS_SYNC_BYTE;
  packet[1] = (unitStart ? 0x40 : 0) | (headerBits.priority ? 0x20 : 0) | (pid >> 8);
  packet[2] = pid & 0xff;
  packet[3] = ((headerBits.scrambling & 3) << 6) | ((af > 0 ? 3 : 1) << 4) | (cc & 15);
  if (af > 0) {
    packet[4] = af - 1;
    if (af > 1) {
      packet.fill(0xff, 5, 4 + af);
      if (afContent.length) packet.set(afContent, 5);
      else packet[5] = 0x00;
    }
  }
  packet.set(payload, 4 + af);
  return packet;
}
