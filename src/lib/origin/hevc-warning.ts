// casterpak packages into MPEG-TS, and Apple devices (Safari, iOS, iPadOS, tvOS) play HEVC only
// from fragmented MP4 (Apple's HLS authoring spec; docs/deployment.md, "HEVC sources"). Other
// players (hls.js in Chrome and Edge, ExoPlayer, VLC) do, so the rendition is still served: the
// operator is told once per rendition made.
import type { Logger } from '../shared/logger.js';
import { videoTrack } from '../packaging/mp4info.js';
import type { PackagingEvent } from '../packaging/rendition-store.js';

export const HEVC_IN_TS_WARNING = 'HEVC in MPEG-TS: Apple devices will not play this rendition';

export function warnIfHevc(logger: Logger, event: PackagingEvent): void {
  const video = event.error === undefined && event.media ? videoTrack(event.media) : undefined;
  if (video && /^(hvc1|hev1)$/.test(video.codingName))
    logger.warn(HEVC_IN_TS_WARNING, { rendition: event.renditionPath, codec: video.codec });
}
