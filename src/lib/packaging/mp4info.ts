// Reads `mp4info --format json` into what masters and validation need.
import { CasterpakError } from '../shared/errors.js';
import type { MediaInfo, TrackInfo } from '../formats/mp4/media-info.js';

export type { MediaInfo } from '../formats/mp4/media-info.js';

// Codecs mp42hls can put in MPEG-TS (Mp42Hls.cpp): AVC and HEVC video; AAC, AC-3, E-AC-3 audio.
const TS_VIDEO = new Set(['avc1', 'avc3', 'hvc1', 'hev1']);
const TS_AUDIO = new Set(['mp4a', 'ac-3', 'ec-3']);

type Json = Record<string, any>;

export function parseMp4Info(text: string): MediaInfo {
  let json: Json;
  try {
    // mp4info 1.5.0 can emit a trailing comma before a closing bracket; tolerate it.
    json = JSON.parse(text.replace(/,(\s*[\]}])/g, '$1'));
  } catch (error) {
    throw new CasterpakError('BAD_MEDIA', 'mp4info output is not JSON', { cause: error });
  }
  const tracks: TrackInfo[] = (Array.isArray(json.tracks) ? json.tracks : []).map((t: Json) => {
    const description: Json = (t.sample_descriptions ?? [])[0] ?? {};
    const kind = String(t.type ?? '').toLowerCase();
    const type = kind === 'video' ? 'video' : kind === 'audio' ? 'audio' : 'other';
    return {
      id: Number(t.id),
      type,
      codec: String(description.codecs_string ?? description.coding ?? ''),
      codingName: String(description.coding ?? ''),
      durationMs: Number(t.duration_ms ?? 0),
      bitrateKbps: Number(t.media?.bitrate ?? 0),
      ...(type === 'video'
        ? {
            width: Number(description.width ?? t.display_width),
            height: Number(description.height ?? t.display_height),
            frameRate: Number(t.frame_rate ?? 0) || undefined,
          }
        : {}),
    } satisfies TrackInfo;
  });
  return { durationMs: Number(json.movie?.duration_ms ?? 0), tracks, fragmented: Boolean(json.movie?.fragments) };
}

// Throws a typed error when Bento4 would not be able to package this file into MPEG-TS.
export function checkPackageable(info: MediaInfo, name: string): void {
  const usable = info.tracks.filter(
    (t) => (t.type === 'video' && TS_VIDEO.has(t.codingName)) || (t.type === 'audio' && TS_AUDIO.has(t.codingName)),
  );
  if (usable.length === 0) {
    const found = info.tracks.map((t) => t.codingName || t.type).join(', ') || 'no tracks';
    throw new CasterpakError(
      'UNSUPPORTED_MEDIA',
      `${name}: unsupported codec (${found}); casterpak needs H.264/HEVC video or AAC/AC-3 audio`,
    );
  }
  if (info.durationMs <= 0) throw new CasterpakError('BAD_MEDIA', `${name}: the MP4 has no duration`);
}

export function videoTrack(info: MediaInfo): TrackInfo | undefined {
  return info.tracks.find((t) => t.type === 'video' && TS_VIDEO.has(t.codingName));
}

export function audioTrack(info: MediaInfo): TrackInfo | undefined {
  return info.tracks.find((t) => t.type === 'audio' && TS_AUDIO.has(t.codingName));
}
