// Pure rules of derived renditions (docs/renditions.md): how a derived rendition is named
// beside its source, how big its picture is, what a master says of it, the ffmpeg arguments
// that encode one segment, and which profiles `package --ladder` makes of a source.
import { CasterpakError } from '../shared/errors.js';
import { PROFILE_NAME, type Ladder, type LadderProfile } from '../config/ladder.js';
import type { MediaInfo, TrackInfo } from '../formats/mp4/media-info.js';
import { TS_PACKET_SIZE, TS_PAYLOAD_SIZE } from '../formats/mpegts/packet.js';

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
  const at = dot > sourcePath.lastIndexOf('/') ? dot : sourcePath.length; // a dot in a directory name is no extension
  return `${sourcePath.slice(0, at)}_${profileName}${sourcePath.slice(at)}`;
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
// as 4:2:0 needs); null when that would be larger than the source (never upscale: the longer
// side rounds down to even rather than past an odd source side).
export function targetSize(source: Size, profile: LadderProfile): Size | null {
  const short = Math.min(source.width, source.height);
  if (profile.height > short) return null;
  const long = Math.max(source.width, source.height);
  const side = Math.min(even((long * profile.height) / short), Math.max(2, long - (long % 2)));
  return source.width <= source.height ? { width: profile.height, height: side } : { width: side, height: profile.height };
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
// (baseline: constrained, sets 0 and 1; main: set 1), level_idc (3.1 → 31). x264 writes the
// lowest profile the tools it uses need: the ultrafast preset turns CABAC and the 8x8 transform
// off, so its stream is constrained baseline whatever profile was asked. Level 1b is level_idc
// 11 with constraint_set3 in baseline and main, level_idc 9 in high (H.264 §7.4.2.1.1, A.3.1).
const PROFILE_IDC = { baseline: 0x42c0, main: 0x4d40, high: 0x6400 } as const;
const SET3 = 0x0010;

export function h264Codec(profile: LadderProfile): string {
  const h264 = profile.preset === 'ultrafast' ? 'baseline' : profile.profile;
  const oneB = profile.level === '1b' && h264 !== 'high';
  const idc = PROFILE_IDC[h264] | (oneB ? SET3 : 0);
  const level = profile.level === '1b' ? (oneB ? 11 : 9) : Math.round(Number(profile.level) * 10);
  return `avc1.${idc.toString(16).toUpperCase().padStart(4, '0')}${level.toString(16).toUpperCase().padStart(2, '0')}`;
}

// What a master needs of the derived rendition: the source's tracks with the video replaced.
export function derivedMedia(source: MediaInfo, profile: LadderProfile, size: Size): MediaInfo {
  const tracks = source.tracks.map((t): TrackInfo =>
    t.type === 'video'
      ? {
          ...t,
          codec: h264Codec(profile),
          codingName: 'avc1',
          width: size.width,
          height: size.height,
          bitrateKbps: Math.round(profile.videoBitrate / 1000),
        }
      : t,
  );
  return { ...source, tracks };
}

// PES a second: one per video frame, one per AAC frame (1024 samples). A master made without
// the source at hand assumes these.
export interface PesRates {
  readonly video: number;
  readonly audio: number;
}
export const ASSUMED_PES_RATES: PesRates = { video: 30, audio: 48_000 / 1024 };

// The PES rates of a movie's first video and audio tracks (frames over duration).
export function pesRatesOf(
  tracks: readonly {
    readonly handler: string;
    readonly timescale: number;
    readonly mediaDuration: number;
    readonly samples: { readonly count: number };
  }[],
): PesRates {
  const rate = (handler: string, assumed: number) => {
    const t = tracks.find((k) => k.handler === handler);
    return t && t.mediaDuration > 0 && t.samples.count > 0 ? t.samples.count / (t.mediaDuration / t.timescale) : assumed;
  };
  return { video: rate('vide', ASSUMED_PES_RATES.video), audio: rate('soun', ASSUMED_PES_RATES.audio) };
}

// Bits a second of a stream in MPEG-TS (ISO/IEC 13818-1 §2.4.3.2): packets of 188 bytes carry
// 184; each PES starts a packet with its header (video: 19 bytes with PTS and DTS; audio: 14)
// and ends in a partly stuffed one. AAC frames are of nearly one size, so a whole number of
// packets each; video frames vary: half a packet of stuffing on average. At low rates this is
// most of the cost: 48 kbit/s of AAC takes 70 kbit/s, 150 kbit/s of 25 fps video 176.
function tsBitrate(bitrate: number, pesPerSecond: number, kind: 'video' | 'audio'): number {
  if (bitrate <= 0 || pesPerSecond <= 0) return 0;
  const pes = bitrate / 8 / pesPerSecond + (kind === 'video' ? 19 : 14);
  const packets = kind === 'video' ? pes / TS_PAYLOAD_SIZE + 0.5 : Math.ceil(pes / TS_PAYLOAD_SIZE);
  return packets * TS_PACKET_SIZE * 8 * pesPerSecond;
}

// Packets a segment holds besides its PES: PAT and PMT, and the stuffing packets
// formats/mpegts/continuity.ts adds so each stream's counters end at 15 (0 to 15 a stream).
const TABLE_PACKETS = 2;
const COUNTER_PACKETS = { peak: 2 * 15, average: 2 * 7.5 };

// The master's BANDWIDTH and AVERAGE-BANDWIDTH (RFC 8216 §4.3.4.2): over a segment of
// `segmentDuration` seconds VBV lets the encoder spend at most maxRate × duration + bufSize bits.
export function derivedBitrates(
  profile: LadderProfile,
  audioBitrate: number,
  segmentDuration: number,
  pes: PesRates = ASSUMED_PES_RATES,
): { peak: number; average: number } {
  const audio = tsBitrate(audioBitrate, pes.audio, 'audio');
  const perSegment = (packets: number) => ((TABLE_PACKETS + packets) * TS_PACKET_SIZE * 8) / segmentDuration;
  const peakVideo = tsBitrate(profile.maxRate + profile.bufSize / segmentDuration, pes.video, 'video');
  return {
    peak: Math.ceil(peakVideo + audio + perSegment(COUNTER_PACKETS.peak)),
    average: Math.ceil(tsBitrate(profile.videoBitrate, pes.video, 'video') + audio + perSegment(COUNTER_PACKETS.average)),
  };
}

export interface EncodeOutput {
  readonly profile: LadderProfile;
  readonly size: Size;
  readonly file: string;
  /** Frames from one key frame to the next (x264's keyint) when not x264's default. */
  readonly keyint?: number;
  /** One x264 thread: rates lowered below the source's (rate-cap.ts) leave VBV no headroom. */
  readonly oneThread?: boolean;
}

// One ffmpeg run: the segment's frames decoded once (upright: ffmpeg applies the display
// matrix), scaled per output and encoded as H.264 with an IDR first and no B-frames (a
// derived segment keeps the source's presentation times, and with B-frames a decode time
// would come before a film's first presentation time). Every frame passes through as it came
// (no frame dropped or duplicated), so frame k of the output is frame k of the source.
// x264 with frame threads and VBV writes different bytes from run to run (the rate control
// sees the threads' timing); slice threads, a fixed number of them, make an encode a function
// of its input, so a segment made again after prune, or by package and by serve, is the same
// bytes (about 10 % slower, 0.2 % larger, measured on a 10-s 720p segment). Not when VBV binds
// on row after row: x264's row-level VBV across slice threads then follows their timing (a
// lowered profile, peak = buffer = average, gave 5 different encodes of one input in 5 runs);
// one thread is a function of its input again (5 of 5 the same, alone or beside other outputs).
const X264_THREADS = ['-threads', '4', '-x264-params', 'sliced-threads=1'];
const ONE_THREAD = ['-threads', '1'];

export function encodeArgs(input: string, outputs: readonly EncodeOutput[]): string[] {
  const split = outputs.length > 1 ? `[0:v:0]split=${outputs.length}${outputs.map((_, i) => `[s${i}]`).join('')};` : '';
  const scales = outputs.map(
    (o, i) =>
      `${outputs.length > 1 ? `[s${i}]` : '[0:v:0]'}scale=${o.size.width}:${o.size.height}:flags=bicubic,setsar=1,format=yuv420p[v${i}]`,
  );
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', input, '-filter_complex', split + scales.join(';')];
  outputs.forEach((o, i) => {
    const p = o.profile;
    args.push('-map', `[v${i}]`, '-an', '-sn', '-dn', '-c:v', 'libx264', '-preset', p.preset, '-profile:v', p.profile, '-level:v', p.level);
    const threads = o.oneThread ? ONE_THREAD : X264_THREADS;
    args.push('-b:v', String(p.videoBitrate), '-maxrate', String(p.maxRate), '-bufsize', String(p.bufSize), '-bf', '0', ...threads);
    if (o.keyint !== undefined) args.push('-g', String(o.keyint));
    args.push('-force_key_frames', 'expr:eq(n,0)', '-vsync', 'passthrough', '-f', 'mp4', o.file);
  });
  return args;
}

// `--profiles 360p,720p` (package, rewrite-master) → the names, each checked against the ladder.
export function parseProfiles(ladder: Ladder, list: string): string[] {
  const names = [
    ...new Set(
      list
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
  const known = Object.keys(ladder);
  const unknown = names.find((n) => !Object.hasOwn(ladder, n));
  if (names.length === 0 || unknown !== undefined) {
    throw new CasterpakError(
      'USAGE',
      `${unknown === undefined ? '--profiles names no profile' : `no profile ${unknown} in the ladder`}: give some of ${known.join(', ')} (renditions.ladder)`,
    );
  }
  return names;
}

export interface PlannedProfile {
  readonly name: string;
  readonly profile: LadderProfile;
  /** Why it is not made; absent when it is. */
  readonly skip?: string;
}

// What a source of `source` size gets: the named profiles (null: the ladder's profiles below
// its height, as the master lists them) that would not upscale it.
export function planProfiles(ladder: Ladder, names: readonly string[] | null, source: Size | null): PlannedProfile[] {
  const order = names ?? Object.keys(ladder).sort((a, b) => ladder[b].height - ladder[a].height);
  const below = source ? new Set(profilesBelow(ladder, source)) : new Set<string>();
  return order.map((name) => {
    const profile = ladder[name];
    if (!source) return { name, profile, skip: 'the source has no video to derive from' };
    const lines = Math.min(source.width, source.height);
    if (!targetSize(source, profile))
      return { name, profile, skip: `the source is ${source.width}x${source.height}: ${profile.height} lines would upscale it` };
    if (names === null && !below.has(name))
      return { name, profile, skip: `not below the source's ${lines} lines (the source is that rendition)` };
    return { name, profile };
  });
}
