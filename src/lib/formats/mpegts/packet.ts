// Transport Stream packet header (ISO/IEC 13818-1 §2.4.3.2, §2.4.3.4):
//   byte 0   sync_byte 0x47
//   byte 1   transport_error_indicator(1) payload_unit_start_indicator(1) transport_priority(1) PID[12..8](5)
//   byte 2   PID[7..0]
//   byte 3   transport_scrambling_control(2) adaptation_field_control(2) continuity_counter(4)
//   byte 4   adaptation_field_length, when adaptation_field_control has bit 2 (values 2, 3)
// These are tiny so V8 inlines them into the scanner's per-packet loop.
import { CasterpakError } from '../../shared/errors.js';
import { TS_PACKET_SIZE } from './sync-check.js';

export const PAT_PID = 0x0000;
export const NULL_PID = 0x1fff;

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
    throw new CasterpakError('BAD_TS', `${name}: adaptation field length ${length} too large at offset ${offset}`);
  }
  return offset + 5 + length;
}
