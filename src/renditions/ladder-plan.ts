// Pure rules of derived renditions (docs/renditions.md): how a derived rendition is named
// beside its source, how big its picture is, what a master says of it, and the ffmpeg
// arguments that encode one segment.
import { PROFILE_NAME, type Ladder, type LadderProfile } from '../config/ladder.js';
import type { MediaInfo, TrackInfo } from '../formats/mp4/media-info.js';

export interface DerivedName {
  readonly sourcePath: string;
  readonly profileName: string;
  readonly profile: LadderProfile;
}

// `dir/name_720p.mp4` → the source `dir/name.mp4` and the ladder's profile `720p`; null when
// the name has no underscore or what follows the last one is not in the ladder.
export function derivedNameOf(renditionPath: string, ladder: Ladder): DerivedName | null {
  const match = /^(.*[^/])_([A-Za-z0-9]{1,16})(\.[A-Za-z0-9]{1,8})$/.exec(renditionPath);
  if (!match || !Object.hasOwn(ladder, match[2])) return null;
  return { sourcePath: match[1] + match[3], profileName: match[2], profile: ladder[match[2]] };
}

// The one builder of a derived rendition's path: `dir/name.mp4` + `720p` → `dir/name_720p.mp4`.
export function derivedPath(sourcePath: string, profileName: string): string {
  if (!PROFILE_NAME.test(profileName)) throw new RangeError(`not a profile name: ${profileName}`);
  const dot = sourcePath.lastIndexOf('.');
  return `${sourcePath.slice(0, dot)}_${profileName}${sourcePath.slice(dot)}`;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

// The picture as shown: a quarter turn (a phone held upright) swaps width and height.
export function uprightSize(video: { readonly width?: number; readonly height?: number; readonly quarterTurn?: boolean }): Size | null {
  if (!video.width || !video.height) return null;
  return video.quarterTurn ? { width: video.height, height: video.width } : { width: video.width, height: video.height };
}

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));

// The derived picture: its shorter side is the profile's height, the aspect kept (even sizes,
// as 4:2:0 needs); null when that would be larger than the source (never upscale).
export function targetSize(source: Size, profile: LadderProfile): Size | null {
  const short = Math.min(source.width, source.height);
  if (profile.height > short) return null;
  const scale = profile.height / short;
  return source.width <= source.height ? { width: profile.height, height: even(source.height * scale) } : { width: even(source.width * scale), height: profile.height };
}

// The profiles a master lists below a source of `source` size, tallest first.
export function profilesBelow(ladder: Ladder, source: Size): string[] {
  const short = Math.min(source.width, source.height);
  return Object.entries(ladder)
    .filter(([, p]) => p.height < short)
    .sort(([, a], [, b]) => b.height - a.height || b.videoBitrate - a.videoBitrate)
    .map(([name]) => name);
}

// RFC 6381 avc1.PPCCLL as x264 writes it: profile_idc, the constraint flags x264 sets
// (baseline: constrained, sets 0 and 1; main: set 1), level_idc (3.1 → 31).
const PROFILE_IDC = { baseline: '42C0', main: '4D40', high: '6400' } as const;

export function h264Codec(profile: LadderProfile): string {
  const level = profile.level === '1b' ? 9 : Math.round(Number(profile.level) * 10);
  return `avc1.${PROFILE_IDC[profile.profile]}${level.toString(16).toUpperCase().padStart(2, '0')}`;
}

// What a master needs of the derived rendition: the source's tracks with the video replaced.
export function derivedMedia(source: MediaInfo, profile: LadderProfile, size: Size): MediaInfo {
  const tracks = source.tracks.map((t): TrackInfo => (t.type === 'video' ? { ...t, codec: h264Codec(profile), codingName: 'avc1', width: size.width, height: size.height, bitrateKbps: Math.round(profile.videoBitrate / 1000) } : t));
  return { ...source, tracks };
}

// MPEG-TS carries each byte of a segment with about 2 % of packet headers and 1–2 % of PES
// headers and tables; 6 % covers small segments too.
const TS_OVERHEAD = 1.06;

// The master's BANDWIDTH and AVERAGE-BANDWIDTH (RFC 8216 §4.3.4.2): over a segment of
// `segmentDuration` seconds VBV lets the encoder spend at most maxRate × duration + bufSize bits.
export function derivedBitrates(profile: LadderProfile, audioBitrate: number, segmentDuration: number): { peak: number; average: number } {
  const peakVideo = profile.maxRate + profile.bufSize / segmentDuration;
  return { peak: Math.ceil((peakVideo + audioBitrate) * TS_OVERHEAD), average: Math.ceil((profile.videoBitrate + audioBitrate) * TS_OVERHEAD) };
}

export interface EncodeOutput {
  readonly profile: LadderProfile;
  readonly size: Size;
  readonly file: string;
}

// One ffmpeg run: the segment's frames decoded once (upright: ffmpeg applies the display
// matrix), scaled per output and encoded as H.264 with an IDR first and no B-frames (a
// derived segment keeps the source's presentation times, and with B-frames a decode time
// would come before a film's first presentation time). Every frame passes through as it came
// (no frame dropped or duplicated), so frame k of the output is frame k of the source.
export function encodeArgs(input: string, outputs: readonly EncodeOutput[], threads: number): string[] {
  const split = outputs.length > 1 ? `[0:v:0]split=${outputs.length}${outputs.map((_, i) => `[s${i}]`).join('')};` : '';
  const scales = outputs.map((o, i) => `${outputs.length > 1 ? `[s${i}]` : '[0:v:0]'}scale=${o.size.width}:${o.size.height}:flags=bicubic,setsar=1,format=yuv420p[v${i}]`);
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', input, '-filter_complex', split + scales.join(';')];
  outputs.forEach((o, i) => {
    const p = o.profile;
    args.push('-map', `[v${i}]`, '-an', '-sn', '-dn', '-c:v', 'libx264', '-preset', p.preset, '-profile:v', p.profile, '-level:v', p.level);
    args.push('-b:v', String(p.videoBitrate), '-maxrate', String(p.maxRate), '-bufsize', String(p.bufSize), '-bf', '0', '-threads', String(threads));
    args.push('-force_key_frames', 'expr:eq(n,0)', '-vsync', 'passthrough', '-f', 'mp4', o.file);
  });
  return args;
}
