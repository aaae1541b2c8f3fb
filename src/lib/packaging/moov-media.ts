// What masters and the source checks need (MediaInfo), read from a parsed moov instead of
// running mp4info: the same fields, the same CODECS text.
import { codecString } from '../formats/mp4/codec-string.js';
import type { MediaInfo, TrackInfo } from '../formats/mp4/media-info.js';
import type { Movie, Track } from '../formats/mp4/moov.js';

const round3 = (n: number) => Math.round(n * 1000) / 1000;

// EXT-X-MEDIA CHANNELS counts audio channels (RFC 8216 §4.3.4.1). An AAC sample entry's
// channelcount is commonly a fixed 2 (ISO/IEC 14496-12 §12.2.3); its AudioSpecificConfig
// channelConfiguration is what decoders use (ISO/IEC 14496-3 Table 1.19: 1-6 channels, 7 is 7.1).
function channelsOf(track: Track): number | undefined {
  const configuration = track.esds?.channelConfiguration;
  if (configuration !== undefined && configuration >= 1 && configuration <= 7) return configuration === 7 ? 8 : configuration;
  return track.channelCount || undefined;
}

function trackInfo(track: Track): TrackInfo {
  const seconds = track.timescale > 0 ? track.mediaDuration / track.timescale : 0;
  const type = track.handler === 'vide' ? 'video' : track.handler === 'soun' ? 'audio' : 'other';
  return {
    id: track.id,
    type,
    codec: codecString(track),
    codingName: track.format,
    durationMs: Math.round(seconds * 1000),
    // Summed over the sizes when first read, after a cold playlist's answer (formats/mp4/tables/sizes.ts).
    get bitrateKbps() {
      return seconds > 0 ? Math.round((track.samples.totalBytes * 8) / seconds / 1000) : 0;
    },
    ...(type === 'video'
      ? {
          width: track.width,
          height: track.height,
          frameRate: seconds > 0 ? round3(track.samples.count / seconds) || undefined : undefined,
        }
      : {}),
    ...(type === 'audio'
      ? { language: track.language, default: track.enabled, ...(channelsOf(track) ? { channels: channelsOf(track) } : {}) }
      : {}),
  };
}

// The MediaInfo of a movie.
export function mediaInfoOf(movie: Movie): MediaInfo {
  return {
    durationMs: movie.timescale > 0 ? Math.round((movie.duration / movie.timescale) * 1000) : 0,
    tracks: movie.tracks.map(trackInfo),
    fragmented: movie.fragmented,
  };
}
