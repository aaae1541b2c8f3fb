// Counting what an MPEG-TS segment holds, read from its own PAT and PMT (ISO/IEC 13818-1
// §2.4.4): PES packets per elementary stream, grouped into video and audio by stream_type.
// mp42hls writes one PES per sample, so these are the samples it put in the segment.
import { patProgramPids, readPacket } from './ts-packet.js';

const VIDEO_TYPES = new Set([0x1b, 0x24]); // H.264, HEVC
const AUDIO_TYPES = new Set([0x0f, 0x81, 0x87]); // AAC ADTS, AC-3, E-AC-3

// Why: PMT (§2.4.4.8): after the pointer_field, u8 table_id; u12 section_length (low bits of 2 bytes);
// u16 program_number; u8 version; u8 section_number; u8 last; u16 PCR_PID; u12 program_info_length;
// then { u8 stream_type; u13 elementary_PID; u12 ES_info_length; descriptors }.
function pmtStreams(payload: Uint8Array): Map<number, number> {
  const s = 1 + payload[0];
  const end = s + 3 + (((payload[s + 1] & 0x0f) << 8) | payload[s + 2]) - 4;
  let p = s + 12 + (((payload[s + 10] & 0x0f) << 8) | payload[s + 11]);
  const streams = new Map<number, number>();
  while (p + 5 <= end) {
    streams.set(((payload[p + 1] & 0x1f) << 8) | payload[p + 2], payload[p]);
    p += 5 + (((payload[p + 3] & 0x0f) << 8) | payload[p + 4]);
  }
  return streams;
}

// Why: how many video and audio samples (PES packets) a segment carries, and whether its
// program tables come first (PAT, then PMT), as a segment that starts a player's decode must.
export function pesCounts(ts: Uint8Array): { video: number; audio: number; tablesFirst: boolean } {
  const pmtPids = new Set<number>();
  let streams = new Map<number, number>();
  const counts = { video: 0, audio: 0, tablesFirst: false };
  for (let at = 0; at < ts.length; at += 188) {
    const info = readPacket(ts.subarray(at, at + 188));
    if (at === 188) counts.tablesFirst = pmtPids.has(info.pid) && info.unitStart;
    if (info.pid === 0) for (const pid of patProgramPids(info)) pmtPids.add(pid);
    else if (pmtPids.has(info.pid) && info.unitStart) streams = pmtStreams(info.payload);
    else if (info.unitStart) {
      const type = streams.get(info.pid) ?? -1;
      if (VIDEO_TYPES.has(type)) counts.video++;
      if (AUDIO_TYPES.has(type)) counts.audio++;
    }
  }
  return counts;
}
