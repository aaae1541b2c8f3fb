// The ladder of renditions casterpak derives on demand from one source (renditions/): named
// profiles, each an H.264 encode. The default follows Apple's HLS authoring specification's
// 16:9 H.264 ladder (heights and average bit rates), capped at 1080p.
import { invalid } from './checks.js';

export type H264Profile = 'baseline' | 'main' | 'high';

export interface LadderProfile {
  /** The picture's shorter side in pixels (720 for 1280×720, and for a 720×1280 portrait video). */
  readonly height: number;
  /** Average video bit rate, bits per second. */
  readonly videoBitrate: number;
  /** VBV maximum rate, bits per second (the peak the master's BANDWIDTH is built from). */
  readonly maxRate: number;
  /** VBV buffer size, bits. */
  readonly bufSize: number;
  readonly profile: H264Profile;
  /** H.264 level, e.g. '3.1'. */
  readonly level: string;
  /** x264 preset: speed against compression. */
  readonly preset: string;
}

export type Ladder = Readonly<Record<string, LadderProfile>>;

// A profile name sits after the last underscore of `<name>_<profile>.mp4`: letters and digits only.
export const PROFILE_NAME = /^[A-Za-z0-9]{1,16}$/;

const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];
const LEVELS = [
  '1',
  '1b',
  '1.1',
  '1.2',
  '1.3',
  '2',
  '2.1',
  '2.2',
  '3',
  '3.0',
  '3.1',
  '3.2',
  '4',
  '4.0',
  '4.1',
  '4.2',
  '5',
  '5.0',
  '5.1',
  '5.2',
];

// VBV: a peak of 1.2× the average over a 2 × peak buffer keeps segments within Apple's advice
// (peak no more than twice the average) while letting x264 spend bits on hard scenes.
const profile = (height: number, kbps: number, h264: H264Profile, level: string): LadderProfile => ({
  height,
  videoBitrate: kbps * 1000,
  maxRate: kbps * 1200,
  bufSize: kbps * 2400,
  profile: h264,
  level,
  preset: 'veryfast',
});

export const DEFAULT_LADDER: Ladder = {
  '1080p': profile(1080, 6000, 'high', '4.0'),
  '720p': profile(720, 3000, 'high', '3.1'),
  '540p': profile(540, 2000, 'high', '3.1'),
  '360p': profile(360, 365, 'main', '3.0'),
  '234p': profile(234, 145, 'baseline', '3.0'),
};

// '3000k', '6M', '800000' → bits per second.
function bitrate(v: unknown, key: string): number {
  const match =
    typeof v === 'number' ? [String(v), String(v), ''] : typeof v === 'string' ? /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(v.trim()) : null;
  const bps = match
    ? Math.round(Number(match[1]) * (match[2].toLowerCase() === 'm' ? 1e6 : match[2].toLowerCase() === 'k' ? 1e3 : 1))
    : NaN;
  return Number.isFinite(bps) && bps >= 16_000 && bps <= 200e6
    ? bps
    : invalid(`${key} must be a bit rate such as "3000k" or "6M" (16k to 200M), got ${JSON.stringify(v)}`);
}

function profileOf(name: string, v: unknown): LadderProfile {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return invalid(`${name} must be an object`);
  const p = v as Record<string, unknown>;
  const known = ['height', 'videoBitrate', 'maxRate', 'bufSize', 'profile', 'level', 'preset'];
  const unknown = Object.keys(p).find((k) => !known.includes(k) && !k.startsWith('$'));
  if (unknown) invalid(`${name}.${unknown} is not a known key (${known.join(', ')})`);
  const height =
    typeof p.height === 'number' && Number.isInteger(p.height) && p.height >= 64 && p.height <= 4320 && p.height % 2 === 0
      ? p.height
      : invalid(`${name}.height must be an even number of pixels from 64 to 4320, got ${JSON.stringify(p.height)}`);
  const videoBitrate = bitrate(p.videoBitrate, `${name}.videoBitrate`);
  const maxRate = p.maxRate === undefined ? Math.round(videoBitrate * 1.2) : bitrate(p.maxRate, `${name}.maxRate`);
  if (maxRate < videoBitrate) invalid(`${name}.maxRate must not be below videoBitrate`);
  const bufSize = p.bufSize === undefined ? 2 * maxRate : bitrate(p.bufSize, `${name}.bufSize`);
  const h264 = p.profile ?? 'high';
  if (h264 !== 'baseline' && h264 !== 'main' && h264 !== 'high')
    invalid(`${name}.profile must be baseline, main or high, got ${JSON.stringify(h264)}`);
  const level = String(p.level ?? '4.0');
  if (!LEVELS.includes(level)) invalid(`${name}.level must be an H.264 level such as "3.1", got ${JSON.stringify(p.level)}`);
  const preset = p.preset ?? 'veryfast';
  if (typeof preset !== 'string' || !PRESETS.includes(preset))
    invalid(`${name}.preset must be one of ${PRESETS.join(', ')}, got ${JSON.stringify(p.preset)}`);
  return { height, videoBitrate, maxRate, bufSize, profile: h264 as H264Profile, level, preset: preset as string };
}

// The `renditions.ladder` check: an object of named profiles (it replaces the default ladder whole).
export function ladder(v: unknown): Ladder {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return invalid('must be an object of named profiles, e.g. {"720p": {"height": 720, "videoBitrate": "3000k"}}');
  const out: Record<string, LadderProfile> = {};
  for (const [name, value] of Object.entries(v)) {
    if (name.startsWith('$')) continue;
    if (!PROFILE_NAME.test(name)) invalid(`profile name "${name}" must be 1 to 16 letters or digits`);
    out[name] = profileOf(name, value);
  }
  if (Object.keys(out).length > 16) invalid('holds more than 16 profiles');
  return out;
}
