// A phone video's own rendition made upright (docs/renditions.md, "Phone video"): MPEG-TS has no
// place for the `tkhd` display matrix (ISO/IEC 14496-12 §8.3.2), so with `renditions.upright` a
// source whose matrix turns its picture is transcoded through the ladder's per-segment pipeline
// (transcoder.ts) at its displayed size, ffmpeg applying the matrix on decode. Pure.
import type { LadderProfile } from '../config/ladder.js';
import type { RenditionInfo } from '../cache/rendition-info.js';
import type { Derivation } from '../packaging/segment-maker.js';
import { pesRatesOf, uprightSize, type Size } from './ladder-plan.js';
import { encodedInfo, videoRatesOf } from './rate-cap.js';

type Reading = Parameters<Derivation['describe']>[0];

// The source's first video track when its display matrix turns the picture (90°, 180°, 270°).
export function turnedVideo(reading: Reading): Reading['movie']['tracks'][number] | null {
  const video = reading.movie.tracks.find((t) => t.handler === 'vide');
  return video && (video.quarterTurn === true || video.halfTurn === true) ? video : null;
}

// H.264 levels (ITU-T H.264 Table A-1): frame size in macroblocks, macroblocks a second, and the
// maximum bit rate in kbit/s (×1.25 in the High profile, Table A-2).
const LEVELS: ReadonlyArray<readonly [string, number, number, number]> = [
  ['3.0', 1620, 40_500, 10_000],
  ['3.1', 3600, 108_000, 14_000],
  ['3.2', 5120, 216_000, 20_000],
  ['4.0', 8192, 245_760, 20_000],
  ['4.1', 8192, 245_760, 50_000],
  ['4.2', 8704, 522_240, 50_000],
  ['5.0', 22_080, 589_824, 135_000],
  ['5.1', 36_864, 983_040, 240_000],
  ['5.2', 36_864, 2_073_600, 240_000],
];

// The lowest level that holds the picture at this frame rate and peak rate (High profile).
export function h264Level(size: Size, frameRate: number, maxRate: number): string {
  const frame = Math.ceil(size.width / 16) * Math.ceil(size.height / 16);
  const fits = LEVELS.find(([, fs, mbps, kbps]) => frame <= fs && frame * frameRate <= mbps && maxRate <= kbps * 1250);
  return (fits ?? LEVELS[LEVELS.length - 1])[0];
}

// The frame rate a level is chosen for when the moov gives none (phones record at 30).
const ASSUMED_FRAME_RATE = 30;
// Below this the source's rate is not a useful measure (a still or a near-empty track).
const MIN_VIDEO_BITRATE = 100_000;

// veryfast and High, as the default ladder's tall profiles (config/ladder.ts).
const H264 = { profile: 'high', preset: 'veryfast' } as const;

// The encode of the upright rendition: the source's own average video rate with the ladder's VBV
// shape (peak 1.2 × the average, buffer 2 × the peak).
export function uprightProfile(size: Size, videoBitrate: number, frameRate = ASSUMED_FRAME_RATE): LadderProfile {
  const average = Math.max(MIN_VIDEO_BITRATE, Math.round(videoBitrate));
  const maxRate = Math.round(average * 1.2);
  const level = h264Level(size, frameRate, maxRate);
  return { height: Math.min(size.width, size.height), videoBitrate: average, maxRate, bufSize: 2 * maxRate, level, ...H264 };
}

// The profile an upright rendition's segments are encoded with, from its info.
export function profileOfUpright(info: RenditionInfo): LadderProfile | null {
  const video = info.media.tracks.find((t) => t.type === 'video');
  if (!info.upright || !video?.width || !video.height) return null;
  return { height: Math.min(video.width, video.height), ...info.upright, ...H264 };
}

// Frames from one key frame to the next in the source, on average: the upright encode puts its
// key frames as far apart, so its I-frame playlist is as dense as the source's (x264's default,
// 250 frames, would leave one key frame a 10-s segment). At least half a second at 25 fps.
const MIN_KEYINT = 12;
function keyintOf(samples: { readonly count: number; readonly sync: Uint8Array }): number {
  let syncs = 0;
  for (let i = 0; i < samples.count; i++) syncs += samples.sync[i] ? 1 : 0;
  return Math.max(MIN_KEYINT, Math.round(samples.count / Math.max(1, syncs)));
}

// The source rendition's info as served upright, or null when its picture is not turned. Its
// picture, CODECS and bit rates are the encode's; its I-frame rates stay those predicted from
// the source's key frames, an estimate (docs/renditions.md): a master never transcodes to measure.
export function uprightInfo(reading: Reading, info: RenditionInfo): RenditionInfo | null {
  const turned = turnedVideo(reading);
  const size = turned ? uprightSize(turned) : null;
  const video = info.media.tracks.find((t) => t.type === 'video');
  if (!turned || !size || !video) return null;
  const profile = uprightProfile(size, video.bitrateKbps * 1000, video.frameRate);
  const audio = info.media.tracks.find((t) => t.type === 'audio');
  return {
    ...info,
    ...encodedInfo(info, profile, size, (audio?.bitrateKbps ?? 0) * 1000, pesRatesOf(reading.movie.tracks)),
    upright: { ...videoRatesOf(profile), level: profile.level, keyint: keyintOf(turned.samples) },
  };
}
