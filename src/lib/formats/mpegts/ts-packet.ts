// MPEG-TS packets (ISO/IEC 13818-1 §2.4.3.2) and their adaptation fields (§2.4.3.4): reading the
// header bits, telling an adaptation field's meaningful content from its stuffing, and building
// a 188-byte packet around a payload with stuffing.

// Why: fixed values of the transport stream syntax (§2.4.3.2, table 2-3).
export const TS_PACKET_SIZE = 188;
export const SYNC_BYTE = 0x47;
export const PAT_PID = 0;
export const NULL_PID = 0x1fff;

// Why: malformed transport streams must be told apart from bugs by callers.
export class TsFormatError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'TsFormatError';
  }
}

// Header, 4 bytes:
//   u8 sync_byte (0x47)
//   u1 transport_error_indicator; u1 payload_unit_start_indicator; u1 transport_priority; u13 PID
//   u2 transport_scrambling_control; u2 adaptation_field_control; u4 continuity_counter
export interface PacketInfo {
  readonly pid: number;
  readonly unitStart: boolean;
  readonly hasPayload: boolean;
  /** The adaptation field minus its stuffing: flags byte and optional fields; empty when none or flags are 0. */
  readonly afContent: Uint8Array;
  readonly payload: Uint8Array;
}

// Why: the optional fields' length follows from the flags (§2.4.3.4):
//   u8 flags: discontinuity 0x80, random_access 0x40, ES_priority 0x20, PCR 0x10, OPCR 0x08,
//   splicing_point 0x04, transport_private_data 0x02, adaptation_field_extension 0x01;
//   then PCR (6 bytes), OPCR (6), splice_countdown (1), u8 length + private data, u8 length + extension.
function contentLength(packet: Uint8Array, at: number, end: number): number {
  const flags = packet[at];
  let p = at + 1;
  if (flags & 0x10) p += 6;
  if (flags & 0x08) p += 6;
  if (flags & 0x04) p += 1;
  if (flags & 0x02) p += 1 + (p < end ? packet[p] : 0);
  if (flags & 0x01) p += 1 + (p < end ? packet[p] : 0);
  if (p > end) throw new TsFormatError(`adaptation field fields overrun its length`);
  return p - at;
}

// Why: one decoding of a packet for the continuity normaliser.
export function readPacket(packet: Uint8Array): PacketInfo {
  if (packet.length !== TS_PACKET_SIZE || packet[0] !== SYNC_BYTE) throw new TsFormatError('lost packet sync');
  const pid = ((packet[1] & 0x1f) << 8) | packet[2];
  const control = (packet[3] >> 4) & 3;
  if (control === 0) throw new TsFormatError(`PID ${pid}: reserved adaptation_field_control 0`);
  let payloadAt = 4;
  let afContent = new Uint8Array(0);
  if (control & 2) {
    const length = packet[4];
    const max = control === 2 ? 183 : 182;
    if (length > max) throw new TsFormatError(`PID ${pid}: adaptation field length ${length} > ${max}`);
    if (length > 0 && packet[5] !== 0) afContent = packet.slice(5, 5 + contentLength(packet, 5, 5 + length));
    payloadAt = 5 + length;
  }
  return {
    pid,
    unitStart: (packet[1] & 0x40) !== 0,
    hasPayload: (control & 1) === 1,
    afContent,
    payload: control & 1 ? packet.subarray(payloadAt) : new Uint8Array(0),
  };
}

// Why: room for payload once a packet carries `afContent` (an adaptation field needs its length byte).
export const payloadCapacity = (afContent: Uint8Array): number => (afContent.length ? 183 - afContent.length : 184);

// Why: a packet with payload, its adaptation field holding `afContent` then 0xFF stuffing up to
// 188 bytes (a lone length byte 0 when exactly one byte is missing). `headerBits` keeps the
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
  packet[0] = SYNC_BYTE;
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

// Why: the PIDs of the program map tables, from a PAT packet (§2.4.4.3): after the pointer_field,
//   u8 table_id; u1 syntax; u1 0; u2 reserved; u12 section_length; u16 transport_stream_id;
//   u8 version/current_next; u8 section_number; u8 last_section_number;
//   { u16 program_number; u3 reserved; u13 PID } ... ; u32 CRC_32
export function patProgramPids(info: PacketInfo): number[] {
  if (!info.unitStart || info.payload.length < 1) return [];
  const p = info.payload;
  const s = 1 + p[0];
  if (s + 8 > p.length || p[s] !== 0x00) return [];
  const end = Math.min(s + 3 + (((p[s + 1] & 0x0f) << 8) | p[s + 2]) - 4, p.length);
  const pids: number[] = [];
  for (let e = s + 8; e + 4 <= end; e += 4) {
    const program = (p[e] << 8) | p[e + 1];
    if (program !== 0) pids.push(((p[e + 2] & 0x1f) << 8) | p[e + 3]);
  }
  return pids;
}
