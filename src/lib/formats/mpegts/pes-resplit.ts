// Spreading the payload of a PES's packets over more packets (ISO/IEC 13818-1 §2.4.3): the PES
// bytes stay the same and in order; only how many transport packets carry them changes. Used to
// give an elementary stream a multiple of 16 packets per segment (see continuity.ts).
import { TsFormatError } from './errors.js';
import { buildPacket, payloadCapacity, readPacket } from './packet.js';

/** Packets (TS_PACKET_SIZE bytes each) of one PES, in stream order, all of one PID. */
export interface PesRun {
  readonly pid: number;
  readonly packets: readonly Uint8Array[];
}

// How many packets a run can be spread over: each must carry at least one payload byte,
// because only a packet with payload advances the continuity counter (§2.4.3.3).
export function maxPackets(run: PesRun): number {
  let bytes = 0;
  for (const p of run.packets) bytes += readPacket(p).payload.length;
  return bytes;
}

// Re-split deterministically from content alone, so two inputs with the same PES bytes and
// adaptation fields give the same packets whatever their counters were.
// New packet i < original count keeps original packet i's adaptation-field content (PCR,
// random_access, discontinuity, ...) and the unit-start flag of packet 0; each packet takes as
// many bytes as fit while leaving one for every later packet; the `extra` packets come last.
// CCs are left 0: the caller numbers them.
export function resplit(run: PesRun, extra: number): Uint8Array[] {
  const infos = run.packets.map(readPacket);
  const first = run.packets[0];
  const headerBits = { priority: (first[1] & 0x20) !== 0, scrambling: first[3] >> 6 };
  const total = infos.reduce((sum, info) => sum + info.payload.length, 0);
  const count = infos.length + extra;
  if (count > total) throw new TsFormatError(`PID ${run.pid}: ${total} PES bytes cannot fill ${count} packets`);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const info of infos) {
    bytes.set(info.payload, at);
    at += info.payload.length;
  }
  const out: Uint8Array[] = [];
  let taken = 0;
  for (let i = 0; i < count; i++) {
    const original = infos[i];
    const afContent = original ? original.afContent : new Uint8Array(0);
    const left = total - taken;
    const size = i === count - 1 ? left : Math.min(payloadCapacity(afContent), left - (count - 1 - i));
    const unitStart = i === 0 && infos[0].unitStart;
    out.push(buildPacket(run.pid, unitStart, 0, afContent, bytes.subarray(taken, taken + size), headerBits));
    taken += size;
  }
  return out;
}
