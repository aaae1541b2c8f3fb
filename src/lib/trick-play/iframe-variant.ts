// What a master playlist needs to advertise an I-frame stream: its bit rates and the video-only
// CODECS (RFC 8216 §4.3.4.3, §4.1); masters/stream-inf.ts writes the line.
import { CasterpakError } from '../shared/errors.js';
import type { MediaPlaylist } from '../formats/hls/codec.js';

export interface IFrameBitrates {
  /** bits/s, RFC 8216 §4.1 peak segment bit rate over the I-frame entries */
  readonly peak: number;
  /** bits/s, all bytes over the whole duration */
  readonly average: number;
}

// Peak = largest 8*bytes/seconds over contiguous entry runs lasting 0.5–1.5 × TARGETDURATION
// (RFC 8216 §4.1); a playlist too short for any such run falls back to its average.
export function iframeBitrates(playlist: MediaPlaylist): IFrameBitrates {
  const entries = playlist.segments.map((segment, index) => {
    if (!segment.byterange) {
      throw new CasterpakError('BAD_PLAYLIST', `I-frame entry ${index + 1} (${segment.uri}) has no EXT-X-BYTERANGE`);
    }
    return { bytes: segment.byterange.length, seconds: segment.duration };
  });
  let totalBytes = 0;
  let totalSeconds = 0;
  for (const entry of entries) {
    totalBytes += entry.bytes;
    totalSeconds += entry.seconds;
  }
  const average = totalSeconds > 0 ? Math.ceil((8 * totalBytes) / totalSeconds) : 0;
  const target = playlist.targetDuration;
  const low = 0.5 * target;
  const high = 1.5 * target;
  let peak = -1;
  for (let start = 0; start < entries.length; start++) {
    let bytes = 0;
    let seconds = 0;
    for (let end = start; end < entries.length; end++) {
      bytes += entries[end]!.bytes;
      seconds += entries[end]!.seconds;
      if (seconds > high) break;
      if (seconds >= low && seconds > 0) peak = Math.max(peak, (8 * bytes) / seconds);
    }
  }
  return { peak: peak < 0 ? average : Math.ceil(peak), average };
}

const VIDEO_CODEC = /^(avc1|avc3|hvc1|hev1)(\.|$)/;

// An I-frame variant's CODECS lists video only (draft-pantos-hls-rfc8216bis §6.2.4).
export function videoCodecs(codecs: string): string {
  return codecs
    .split(',')
    .map((codec) => codec.trim())
    .filter((codec) => VIDEO_CODEC.test(codec))
    .join(',');
}
