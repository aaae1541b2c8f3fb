// What a master playlist needs to advertise an I-frame stream: its bit rates and the video-only
// CODECS (RFC 8216 §4.3.4.3, §4.1); masters/stream-inf.ts writes the line.
import { CasterpakError } from '../shared/errors.js';
import type { MediaPlaylist } from '../formats/hls/codec.js';
import { peakBitRate } from '../formats/hls/peak-bandwidth.js';

export interface IFrameBitrates {
  /** bits/s, RFC 8216 §4.1 peak segment bit rate over the I-frame entries */
  readonly peak: number;
  /** bits/s, all bytes over the whole duration */
  readonly average: number;
}

// The peak is RFC 8216 §4.3.4.2's over the entries (formats/hls/peak-bandwidth.ts); a playlist too
// short for any run in range gets its average.
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
  const peak = peakBitRate({
    bytes: entries.map((entry) => entry.bytes),
    seconds: entries.map((entry) => entry.seconds),
    targetDuration: playlist.targetDuration,
  });
  return { peak: Math.ceil(peak), average };
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
