// One of casterpak's own renditions as a variant of the masters it builds (`master.m3u8`,
// `.csmil`): its URI, bit rates, CODECS as the TS carries them, picture and frame rate, and its
// I-frame variant, from the rendition's `.rendition.json`. No I/O: the origin (master-routes.ts)
// makes the rendition and, when the moov gave no I-frame rates, measures them first.
import type { RenditionInfo } from '../cache/rendition-info.js';
import { INDEX_PLAYLIST, KFONLY_DIR } from '../cache/names.js';
import { audioTrack, videoTrack } from '../packaging/mp4info.js';
import type { Size } from '../renditions/ladder-plan.js';
import { videoCodecs, type IFrameBitrates } from '../trick-play/iframe-variant.js';
import { mpegTsCodec, type MasterVariant } from './master-build.js';
import type { CsmilMember } from './csmil-check.js';
import type { DerivedVariant } from './master-ladder.js';

// The picture of a rendition's video (either orientation: a profile's height is the shorter side).
export function pictureOf(info: RenditionInfo): Size | null {
  const video = videoTrack(info.media);
  return video?.width && video.height ? { width: video.width, height: video.height } : null;
}

// Derived renditions get no I-frame variant: their I-frame playlist would need every segment
// transcoded, so trick play comes from the source rendition (docs/renditions.md).
export const hasIFrameVariant = (info: RenditionInfo): boolean => videoTrack(info.media) !== undefined && !info.derived;

// `base` is the rendition's directory URL (ending in /); `iframeRates` the I-frame playlist's
// rates when hasIFrameVariant.
export function renditionVariant(info: RenditionInfo, base: string, iframeRates?: IFrameBitrates): MasterVariant {
  const video = videoTrack(info.media);
  const audio = audioTrack(info.media);
  const codecs = [video && mpegTsCodec(video.codec), audio?.codec].filter((c): c is string => Boolean(c));
  const resolution = pictureOf(info) ?? undefined;
  const iframe =
    iframeRates && hasIFrameVariant(info)
      ? {
          bandwidth: iframeRates.peak,
          averageBandwidth: iframeRates.average,
          codecs: videoCodecs(codecs.join(',')),
          resolution,
          uri: `${base}${KFONLY_DIR}/${INDEX_PLAYLIST}`,
        }
      : undefined;
  return {
    uri: `${base}${INDEX_PLAYLIST}`,
    bandwidth: info.peakBitrate,
    averageBandwidth: info.averageBitrate,
    codecs,
    resolution,
    frameRate: video?.frameRate,
    iframe,
  };
}

// What a .csmil compares of its renditions (csmil-check.ts).
export function csmilMemberOf(renditionPath: string, info: RenditionInfo): CsmilMember {
  const video = videoTrack(info.media);
  return { renditionPath, durationMs: info.durationMs, frameRate: video?.frameRate, audio: audioTrack(info.media)?.codec };
}

// A derived rendition's variant as a proxied master's ladder lists it; none without a picture.
export function derivedVariantOf(profile: string, variant: MasterVariant): DerivedVariant | null {
  const { bandwidth, averageBandwidth, codecs, resolution } = variant;
  return resolution ? { profile, bandwidth, averageBandwidth, codecs, resolution } : null;
}
