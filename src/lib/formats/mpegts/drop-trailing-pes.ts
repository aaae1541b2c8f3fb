// Removing the last PES packets of a transport stream (ISO/IEC 13818-1 §2.4.3): a segment
// extract may carry one audio sample past the segment (see audioLookahead in
// formats/mp42hls/segment-plan.ts); mp42hls writes it last, and this takes its packets out again.
import { TsFormatError } from './errors.js';
import { NULL_PID, PAT_PID, TS_PACKET_SIZE, TS_SYNC_BYTE, packetPid, payloadUnitStart } from './packet.js';

// The `count` PES whose unit starts come last, each with every later packet of its PID,
// are dropped; all other packets keep their bytes and order. Counters are left as they were
// (normaliseContinuity renumbers them). `owned`: the caller gives `ts` up, so the packets kept
// move down within it and the result is a view of it (its buffer's room after it kept for
// normaliseContinuity); else a new array.
export function dropTrailingPes(ts: Uint8Array, count: number, owned = false): Uint8Array {
  if (ts.length % TS_PACKET_SIZE !== 0) throw new TsFormatError(`${ts.length} bytes is not a whole number of packets`);
  if (count === 0) return ts;
  const packets = ts.length / TS_PACKET_SIZE;
  const drop = new Uint8Array(packets);
  let left = count;
  let first = packets; // the first packet dropped
  for (let i = packets - 1; i >= 0 && left > 0; i--) {
    const at = i * TS_PACKET_SIZE;
    if (ts[at] !== TS_SYNC_BYTE) throw new TsFormatError('lost packet sync');
    const pid = packetPid(ts, at);
    const unitStart = payloadUnitStart(ts, at);
    if (!unitStart || pid === PAT_PID || pid === NULL_PID || drop[i]) continue;
    for (let j = i; j < packets; j++) {
      if (packetPid(ts, j * TS_PACKET_SIZE) === pid) drop[j] = 1;
    }
    first = i;
    left--;
  }
  if (left > 0) throw new TsFormatError(`only ${count - left} PES to drop, ${count} asked`);
  const kept = packets - drop.reduce((a, b) => a + b, 0);
  const out = owned ? ts : new Uint8Array(kept * TS_PACKET_SIZE);
  if (!owned) out.set(ts.subarray(0, first * TS_PACKET_SIZE));
  let o = first * TS_PACKET_SIZE;
  for (let i = first; i < packets; i++) {
    if (drop[i]) continue;
    if (owned) out.copyWithin(o, i * TS_PACKET_SIZE, (i + 1) * TS_PACKET_SIZE);
    else out.set(ts.subarray(i * TS_PACKET_SIZE, (i + 1) * TS_PACKET_SIZE), o);
    o += TS_PACKET_SIZE;
  }
  return owned ? ts.subarray(0, kept * TS_PACKET_SIZE) : out;
}
