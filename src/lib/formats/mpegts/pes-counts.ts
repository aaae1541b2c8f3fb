// Counting what an MPEG-TS segment holds, read from its own PAT and PMT (ISO/IEC 13818-1
// §2.4.4): PES packets per elementary stream, grouped into video and audio by stream_type.
// mp42hls writes one PES per sample, so these are the samples it put in the segment.
import { PAT_PID, TS_PACKET_SIZE, checkedPayloadStart, packetPid, payloadUnitStart, readPacket } from './packet.js';
import { PsiTracker } from './psi.js';

const VIDEO_TYPES = new Set([0x1b, 0x24]); // H.264, HEVC
const AUDIO_TYPES = new Set([0x0f, 0x81, 0x87]); // AAC ADTS, AC-3, E-AC-3

// How many video and audio samples (PES packets) a segment carries, and whether its program
// tables come first (PAT, then PMT), as a segment that starts a player's decode must. Throws
// TsFormatError on a packet or table that does not parse.
export function pesCounts(ts: Uint8Array): { video: number; audio: number; tablesFirst: boolean } {
  const tables = new PsiTracker();
  const counts = { video: 0, audio: 0, tablesFirst: false };
  for (let at = 0; at < ts.length; at += TS_PACKET_SIZE) {
    checkedPayloadStart(ts, at); // every packet checked as readPacket would; only PSI decoded whole
    const pid = packetPid(ts, at);
    const unitStart = payloadUnitStart(ts, at);
    if (at === TS_PACKET_SIZE) counts.tablesFirst = tables.pmtPids.has(pid) && unitStart;
    if (pid === PAT_PID || tables.pmtPids.has(pid)) {
      tables.push(readPacket(ts.subarray(at, at + TS_PACKET_SIZE)), at);
      continue;
    }
    if (!unitStart) continue;
    const type = tables.streamTypes.get(pid) ?? -1;
    if (VIDEO_TYPES.has(type)) counts.video++;
    if (AUDIO_TYPES.has(type)) counts.audio++;
  }
  return counts;
}
