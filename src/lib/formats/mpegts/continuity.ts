// Self-contained continuity counters for MPEG-TS segments (ISO/IEC 13818-1 §2.4.3.3), so that
// segments packaged one by one play back to back as if cut from one stream:
//  - PAT and PMT packets take CC = segment index mod 16 (mp42hls writes one of each per segment,
//    and a whole-file run numbers them that way already);
//  - every other PID ends the segment with a multiple of 16 payload packets numbered 0..15, 0..15,
//    by spreading its last PES over a few more packets (PES bytes unchanged), so the next
//    segment's 0 follows this one's 15.
// The counters found in the input are ignored: a segment from a whole-file mp42hls run and the
// same segment packaged alone give identical bytes.
import { maxPackets, resplit, type PesRun } from './pes-resplit.js';
import { TsFormatError } from './errors.js';
import { NULL_PID, PAT_PID, TS_PACKET_SIZE, packetPid, readPacket } from './packet.js';
import { PsiTracker } from './psi.js';

// The packets of one segment, sliced and sync-checked.
function packetsOf(ts: Uint8Array): Uint8Array[] {
  if (ts.length % TS_PACKET_SIZE !== 0) throw new TsFormatError(`${ts.length} bytes is not a whole number of packets`);
  const packets: Uint8Array[] = [];
  for (let at = 0; at < ts.length; at += TS_PACKET_SIZE) packets.push(ts.subarray(at, at + TS_PACKET_SIZE));
  return packets;
}

// The PES runs of one PID (each from a unit-start packet, or from the first payload packet),
// as lists of packet positions; only packets with payload belong to a run.
function runsOf(positions: readonly number[], packets: readonly Uint8Array[]): number[][] {
  const runs: number[][] = [];
  for (const i of positions) {
    const info = readPacket(packets[i]);
    if (!info.hasPayload) continue;
    if (info.unitStart || runs.length === 0) runs.push([]);
    runs[runs.length - 1].push(i);
  }
  return runs;
}

// Decide, from the last PES backwards, how many packets each run gains (usually all on the last).
function spreadExtra(pid: number, runs: readonly number[][], packets: readonly Uint8Array[], extra: number): Map<number[], number> {
  const plan = new Map<number[], number>();
  for (let r = runs.length - 1; r >= 0 && extra > 0; r--) {
    const run: PesRun = { pid, packets: runs[r].map((i) => packets[i]) };
    const room = maxPackets(run) - run.packets.length;
    const take = Math.min(room, extra);
    if (take > 0) plan.set(runs[r], take);
    extra -= take;
  }
  if (extra > 0) throw new TsFormatError(`PID ${pid}: too few PES bytes to reach a multiple of 16 packets`);
  return plan;
}

// The entry point. `segmentIndex` counts from 0, as mp42hls numbers its segments
// (raw-0.ts is index 0): its PAT and PMT get CC = segmentIndex mod 16.
export function normaliseContinuity(ts: Uint8Array, segmentIndex: number): Uint8Array {
  if (!Number.isInteger(segmentIndex) || segmentIndex < 0) throw new RangeError(`segment index ${segmentIndex}`);
  const packets = packetsOf(ts);
  const tables = new PsiTracker();
  const byPid = new Map<number, number[]>();
  packets.forEach((packet, i) => {
    const info = readPacket(packet);
    tables.push(info, i * TS_PACKET_SIZE);
    if (!byPid.has(info.pid)) byPid.set(info.pid, []);
    byPid.get(info.pid)!.push(i);
  });
  const psi = new Set<number>([PAT_PID, ...tables.pmtPids]);
  // Replacement packets, keyed by the original position they take (extras follow the last one).
  const replaced = new Map<number, Uint8Array[]>();
  for (const [pid, positions] of byPid) {
    if (psi.has(pid) || pid === NULL_PID) continue;
    const runs = runsOf(positions, packets);
    const count = runs.reduce((n, run) => n + run.length, 0);
    const extra = (16 - (count % 16)) % 16;
    if (extra === 0) continue;
    for (const [run, gain] of spreadExtra(pid, runs, packets, extra)) {
      const fresh = resplit({ pid, packets: run.map((i) => packets[i]) }, gain);
      run.forEach((position, k) => replaced.set(position, k < run.length - 1 ? [fresh[k]] : fresh.slice(k)));
    }
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < packets.length; i++) out.push(...(replaced.get(i) ?? [Uint8Array.from(packets[i])]));
  return numberPackets(out, psi, segmentIndex);
}

// Write the counters: PSI = segment index mod 16; other PIDs count their payload packets
// from 0; a packet without payload repeats the previous counter (15 before the first, §2.4.3.3).
function numberPackets(packets: readonly Uint8Array[], psi: ReadonlySet<number>, segmentIndex: number): Uint8Array {
  const next = new Map<number, number>();
  const result = new Uint8Array(packets.length * TS_PACKET_SIZE);
  packets.forEach((packet, i) => {
    const pid = packetPid(packet, 0);
    const hasPayload = (packet[3] & 0x10) !== 0;
    let cc = packet[3] & 15;
    if (psi.has(pid)) cc = segmentIndex % 16;
    else if (pid !== NULL_PID) {
      const n = next.get(pid) ?? 0;
      cc = hasPayload ? n % 16 : (n + 15) % 16;
      if (hasPayload) next.set(pid, n + 1);
    }
    result.set(packet, i * TS_PACKET_SIZE);
    result[i * TS_PACKET_SIZE + 3] = (packet[3] & 0xf0) | cc;
  });
  return result;
}
