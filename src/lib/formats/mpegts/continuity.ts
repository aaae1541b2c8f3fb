// Self-contained continuity counters for MPEG-TS segments (ISO/IEC 13818-1 §2.4.3.3), so that
// segments packaged one by one play back to back as if cut from one stream:
//  - PAT and PMT packets take CC = segment index mod 16 (mp42hls writes one of each per segment,
//    and a whole-file run numbers them that way already);
//  - every other PID ends the segment with a multiple of 16 payload packets numbered 0..15, 0..15,
//    by spreading its last PES over a few more packets (PES bytes unchanged), so the next
//    segment's 0 follows this one's 15.
// The counters found in the input are ignored: a segment from a whole-file mp42hls run and the
// same segment packaged alone give identical bytes. One scan reads every packet header into
// typed arrays (a segment is tens of thousands of packets: no object per packet); only the PSI
// packets and the few PES that are spread again are decoded whole.
import { maxPackets, resplit, type PesRun } from './pes-resplit.js';
import { TsFormatError } from './errors.js';
import { NULL_PID, PAT_PID, TS_PACKET_SIZE, checkedPayloadStart, packetPid, payloadUnitStart, readPacket } from './packet.js';
import { PsiTracker } from './psi.js';

const PIDS = 0x2000;

interface Scan {
  readonly pids: Uint16Array;
  /** Payload packets per PID. */
  readonly counts: Uint32Array;
  readonly psi: Uint8Array;
}

// Every packet checked as readPacket checks it; PAT and PMT followed to know which PIDs are PSI.
function scan(ts: Uint8Array): Scan {
  if (ts.length % TS_PACKET_SIZE !== 0) throw new TsFormatError(`${ts.length} bytes is not a whole number of packets`);
  const n = ts.length / TS_PACKET_SIZE;
  const pids = new Uint16Array(n);
  const counts = new Uint32Array(PIDS);
  const tables = new PsiTracker();
  for (let i = 0, at = 0; i < n; i++, at += TS_PACKET_SIZE) {
    const start = checkedPayloadStart(ts, at);
    const pid = packetPid(ts, at);
    pids[i] = pid;
    if (start >= 0) counts[pid]++;
    if (pid === PAT_PID || tables.pmtPids.has(pid)) tables.push(readPacket(ts.subarray(at, at + TS_PACKET_SIZE)), at);
  }
  const psi = new Uint8Array(PIDS);
  for (const pid of [PAT_PID, ...tables.pmtPids]) psi[pid] = 1;
  return { pids, counts, psi };
}

const hasPayload = (ts: Uint8Array, i: number): boolean => (ts[i * TS_PACKET_SIZE + 3] & 0x10) !== 0;
const packetAt = (ts: Uint8Array, i: number): Uint8Array => ts.subarray(i * TS_PACKET_SIZE, (i + 1) * TS_PACKET_SIZE);

// The PES runs of `pid` from the last backwards (each a list of packet positions in order, from a
// unit-start packet or from the PID's first payload packet), as many as `extra` packets need; and
// how many packets each gains (usually all on the last).
function spreadExtra(ts: Uint8Array, pids: Uint16Array, pid: number, extra: number): [number[], number][] {
  const plan: [number[], number][] = [];
  let run: number[] = [];
  for (let i = pids.length - 1; i >= 0 && extra > 0; i--) {
    if (pids[i] !== pid || !hasPayload(ts, i)) continue;
    run.push(i);
    let first = payloadUnitStart(ts, i * TS_PACKET_SIZE);
    if (!first) {
      first = true; // the PID's first payload packet starts a run too
      for (let j = i - 1; j >= 0 && first; j--) if (pids[j] === pid && hasPayload(ts, j)) first = false;
    }
    if (!first) continue;
    run.reverse();
    const pes: PesRun = { pid, packets: run.map((k) => packetAt(ts, k)) };
    const take = Math.min(maxPackets(pes) - run.length, extra);
    if (take > 0) plan.push([run, take]);
    extra -= take;
    run = [];
  }
  if (extra > 0) throw new TsFormatError(`PID ${pid}: too few PES bytes to reach a multiple of 16 packets`);
  return plan;
}

// The entry point. `segmentIndex` counts from 0, as mp42hls numbers its segments
// (raw-0.ts is index 0): its PAT and PMT get CC = segmentIndex mod 16. `owned`: the caller gives
// `ts` up, so its bytes are rewritten where they are when its buffer has room after them for the
// added packets (a segment's megabytes neither allocated nor copied again); else a new array.
export function normaliseContinuity(ts: Uint8Array, segmentIndex: number, owned = false): Uint8Array {
  if (!Number.isInteger(segmentIndex) || segmentIndex < 0) throw new RangeError(`segment index ${segmentIndex}`);
  const { pids, counts, psi } = scan(ts);
  // Replacement packets (new arrays, not views of `ts`), keyed by the original position they
  // take (extras follow the last one).
  const replaced = new Map<number, Uint8Array[]>();
  let added = 0;
  for (let pid = 0; pid < PIDS; pid++) {
    const extra = (16 - (counts[pid] % 16)) % 16;
    if (psi[pid] || pid === NULL_PID || extra === 0) continue;
    for (const [run, gain] of spreadExtra(ts, pids, pid, extra)) {
      const fresh = resplit({ pid, packets: run.map((k) => packetAt(ts, k)) }, gain);
      run.forEach((position, k) => replaced.set(position, k < run.length - 1 ? [fresh[k]] : fresh.slice(k)));
      added += gain;
    }
  }
  const positions = [...replaced.keys()].sort((a, b) => a - b);
  const length = ts.length + added * TS_PACKET_SIZE;
  const out =
    owned && ts.byteOffset + length <= ts.buffer.byteLength
      ? shiftInPlace(new Uint8Array(ts.buffer, ts.byteOffset, length), ts.length / TS_PACKET_SIZE, positions, replaced, added)
      : copyInto(new Uint8Array(length), ts, positions, replaced);
  numberPackets(out, psi, segmentIndex);
  return out;
}

// The packets of `ts` with the replacements in a new array: unchanged stretches in one copy each.
function copyInto(out: Uint8Array, ts: Uint8Array, positions: readonly number[], replaced: Map<number, Uint8Array[]>): Uint8Array {
  let o = 0;
  let from = 0; // the first original packet not yet copied
  for (const position of positions) {
    out.set(ts.subarray(from * TS_PACKET_SIZE, position * TS_PACKET_SIZE), o);
    o += (position - from) * TS_PACKET_SIZE;
    for (const packet of replaced.get(position)!) {
      out.set(packet, o);
      o += TS_PACKET_SIZE;
    }
    from = position + 1;
  }
  out.set(ts.subarray(from * TS_PACKET_SIZE), o);
  return out;
}

// The same in `out`, whose first `packets` packets are the original ones: from the last
// replacement back, each stretch after it moves up by the packets added before it.
function shiftInPlace(
  out: Uint8Array,
  packets: number,
  positions: readonly number[],
  replaced: Map<number, Uint8Array[]>,
  added: number,
): Uint8Array {
  let shift = added;
  let end = packets; // the original packets [position + 1, end) are moved next
  for (let k = positions.length - 1; k >= 0; k--) {
    const position = positions[k];
    const packetsThere = replaced.get(position)!;
    out.copyWithin((position + 1 + shift) * TS_PACKET_SIZE, (position + 1) * TS_PACKET_SIZE, end * TS_PACKET_SIZE);
    shift -= packetsThere.length - 1;
    packetsThere.forEach((packet, j) => out.set(packet, (position + shift + j) * TS_PACKET_SIZE));
    end = position;
  }
  return out;
}

// Write the counters: PSI = segment index mod 16; other PIDs count their payload packets
// from 0; a packet without payload repeats the previous counter (15 before the first, §2.4.3.3).
function numberPackets(ts: Uint8Array, psi: Uint8Array, segmentIndex: number): void {
  const next = new Uint32Array(PIDS);
  for (let at = 0; at < ts.length; at += TS_PACKET_SIZE) {
    const pid = packetPid(ts, at);
    const payload = (ts[at + 3] & 0x10) !== 0;
    let cc = ts[at + 3] & 15;
    if (psi[pid]) cc = segmentIndex % 16;
    else if (pid !== NULL_PID) {
      const n = next[pid];
      cc = payload ? n % 16 : (n + 15) % 16;
      if (payload) next[pid] = n + 1;
    }
    ts[at + 3] = (ts[at + 3] & 0xf0) | cc;
  }
}
