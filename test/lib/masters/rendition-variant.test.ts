import { describe, expect, it } from 'vitest';
import { locateBento4, probeMedia } from '../../../src/lib/packaging/bento4.js';
import type { RenditionInfo } from '../../../src/lib/cache/rendition-info.js';
import type { MediaInfo } from '../../../src/lib/formats/mp4/media-info.js';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { buildMaster, mpegTsCodec } from '../../../src/lib/masters/master-build.js';
import {
  csmilMemberOf,
  derivedVariantOf,
  hasIFrameVariant,
  pictureOf,
  renditionVariant,
} from '../../../src/lib/masters/rendition-variant.js';
import { media } from '../../helpers/bento4.js';

// The rendition info packaging would write for a fixture, its tracks read by the real mp4info.
async function infoOf(name: string, extra: Partial<RenditionInfo> = {}): Promise<RenditionInfo> {
  const probed: MediaInfo = await probeMedia(locateBento4(null, 10_000), media(name));
  return {
    renditionPath: name,
    source: { size: 1, mtimeMs: 1 },
    segmentDuration: 6,
    durationMs: probed.durationMs,
    segments: 1,
    bytes: 1,
    peakBitrate: 1_234_567,
    averageBitrate: 765_432,
    media: probed,
    ...extra,
  };
}

describe('renditionVariant', () => {
  it('describes an audio-video rendition and its I-frame variant as the master lists them', async () => {
    const info = await infoOf('av.mp4');
    const video = info.media.tracks.find((t) => t.type === 'video')!;
    const audio = info.media.tracks.find((t) => t.type === 'audio')!;
    const variant = renditionVariant(info, '../av.mp4/', { peak: 90_000, average: 40_000 });
    expect(variant.uri).toBe('../av.mp4/index_0_av.m3u8');
    expect(variant.codecs).toEqual([mpegTsCodec(video.codec), audio.codec]);
    expect(variant.resolution).toEqual({ width: video.width, height: video.height });
    expect(variant.frameRate).toBe(video.frameRate);
    expect(variant.iframe).toEqual({
      bandwidth: 90_000,
      averageBandwidth: 40_000,
      codecs: mpegTsCodec(video.codec),
      resolution: variant.resolution,
      uri: '../av.mp4/kfonly/index_0_av.m3u8',
    });
    const master = parseMasterPlaylist(buildMaster([variant]));
    expect(master.variants.map((v) => [v.isIFrameOnly, v.bandwidth])).toEqual([
      [false, 1_234_567],
      [true, 90_000],
    ]);
    expect(csmilMemberOf('av.mp4', info)).toEqual({
      renditionPath: 'av.mp4',
      durationMs: info.durationMs,
      frameRate: video.frameRate,
      audio: audio.codec,
    });
  });

  it('gives an audio-only rendition no picture and no I-frame variant', async () => {
    const info = await infoOf('audio-only.mp4');
    expect(hasIFrameVariant(info)).toBe(false);
    expect(pictureOf(info)).toBeNull();
    const variant = renditionVariant(info, '', { peak: 1, average: 1 });
    expect(variant.iframe).toBeUndefined();
    expect(variant.resolution).toBeUndefined();
    expect(derivedVariantOf('360p', variant)).toBeNull();
  });

  it('gives a derived rendition no I-frame variant, and lists it in a ladder with its picture', async () => {
    const info = await infoOf('video-only.mp4', { derived: { profile: '360p', source: 'x.mp4' } });
    expect(hasIFrameVariant(info)).toBe(false);
    const variant = renditionVariant(info, '', { peak: 1, average: 1 });
    expect(variant.iframe).toBeUndefined();
    expect(derivedVariantOf('360p', variant)).toEqual({
      profile: '360p',
      bandwidth: 1_234_567,
      averageBandwidth: 765_432,
      codecs: variant.codecs,
      resolution: pictureOf(info),
    });
  });
});
