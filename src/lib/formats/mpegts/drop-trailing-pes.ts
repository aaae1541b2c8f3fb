// Removing the last PES packets of a transport stream (ISO/IEC 13818-1 §2.4.3): a segment
// extract may carry one audio sample past the segment (see audioLookahead in
// formats/mp42hls/segment-plan.ts); mp42hls writes it last, and this takes its packets out again.
import { TsFormatError } from './errors.js';
import { NULL_PID, PAT_PID, TS_PACKET_SIZE, TS_SYNC_BYTE, packetPid, payloadUnitStart } from './packet.js';

// The `count` PES whose unit starts come last, each with every later packet of its PID,
// are dropped; all other packets keep their bytes and order. Counters are left as they were
// (normaliseContinuity renumbers them).
export function dropTrailingPes(ts: Uint8Array, count: number): Uint8Array {
  if (ts.length % TS_PACKET_SIZE !== 0) throw new TsFormatError(`${ts.length} bytes is not a whole number of packets`);
  if (count === 0) return ts;
  const packets = ts.length / TS_PACKET_SIZE;
  const drop = new Uint8Array(packets);
  let left = count;
  for (let i = packets - 1; i >= 0 && left > 0; i--) {
    const at = i * TS_PACKET_SIZE;
    if (ts[at] !== TS_SYNC_BYTE) throw new TsFormatError('lost packet sync');
    const pid = packetPid(ts, at);
    const unitStart = payloadUnitStart(ts, at);
    if (!unitStart || pid === PAT_PID || pid === NULL_PID || drop[i]) continue;
    for (let j = i; j < packets; j++) {
      if (packetPid(ts, j * TS_PACKET_SIZE) === pid) drop[j] = 1;
    }
    left--;
  }
  if (left > 0) throw new TsFormatError(`only ${count - left} PES to drop, ${count} asked`);
  const out = new Uint8Array((packets - drop.reduce((a, b) => a + b, 0)) * TS_PACKET_SIZE);
  let o = 0;
  for (let i = 0; i < packets; i++) {
    if (drop[i]) continue;
    out.set(ts.subarray(i * TS_PACKET_SIZE, (i + 1) * TS_PACKET_SIZE), o);
    o += TS_PACKET_SIZE;
  }
  return out;
}
