// The ladder's derived renditions (docs/renditions.md) added to a third-party master: the
// master's tallest casterpak rendition is the source, and each profile below its picture that
// no variant of the master already has (same shorter side) becomes a variant after it. Never
// an upscale: profilesBelow lists only profiles shorter than the source. Pure: the origin's
// measurements come in as data (`known`), else the variant's own attributes are used.
import type { Ladder } from '../config/ladder.js';
import { DEFAULT_MEDIA_EXTENSIONS } from '../config/schema.js';
import { INDEX_PLAYLIST } from '../cache/names.js';
import type { Attribute } from '../formats/hls/playlist-lines.js';
import { streamInfOver } from './stream-inf.js';
import { profileBelowSource } from '../renditions/rate-cap.js';
import { derivedBitrates, derivedNameOf, derivedPath, h264Codec, profilesBelow, targetSize, type Size } from '../renditions/ladder-plan.js';

// A casterpak video variant of the master: its URI line, rendition path and attributes.
export interface VideoVariant {
  readonly line: number;
  readonly path: string;
  readonly uri: string;
  readonly attributes: readonly Attribute[];
}

// One derived rendition as the origin describes it in its own master (master-routes.ts).
export interface DerivedVariant {
  readonly profile: string;
  readonly bandwidth: number;
  readonly averageBandwidth: number;
  readonly codecs: readonly string[];
  readonly resolution: Size;
}

export interface LadderSourceInfo {
  readonly size: Size;
  /** measured by the origin (master-routes.ts); absent: none */
  readonly variants?: readonly DerivedVariant[];
}

export interface LadderPlan {
  readonly profiles: Ladder;
  /** the origin's segment duration (a peak bit rate is over one segment) */
  readonly segmentDuration: number;
  /** @default DEFAULT_MEDIA_EXTENSIONS */ readonly mediaExtensions?: readonly string[];
  /** The origin's measurements by variant path; when given, only these renditions can be the
   *  source. Absent (rewrite-master, offline): a variant's RESOLUTION is its source's size, and a
   *  variant without one is never a source. */
  readonly known?: ReadonlyMap<string, LadderSourceInfo>;
}

interface LadderOutcome {
  /** lines to add after a variant's URI line, by that line's index */
  readonly additions: ReadonlyMap<number, readonly string[]>;
  readonly source: string | null;
  readonly profiles: readonly string[];
  /** why nothing was added; null when something was */
  readonly skipped: string | null;
}

// Without the source at hand (rewrite-master): an audio track of at most 192 kb/s, the top of
// common AAC stereo rates, so BANDWIDTH stays an upper bound (RFC 8216 §4.3.4.2).
export const ASSUMED_AUDIO_BITRATE = 192_000;

const AUDIO_CODEC = /^(mp4a|ac-3|ec-3|ac-4|opus|flac|fLaC|alac|mp3|dts[a-z]?)(\.|$)/;
// STABLE-VARIANT-ID names one variant (RFC 8216bis §4.4.6.2). SCORE is kept: when one variant
// has it, all must (hls-parser checks), and a lower rung is already told apart by BANDWIDTH.
const NOT_COPIED = new Set(['STABLE-VARIANT-ID']);
// The source variant's attributes the derived rendition's values stand in for.
const LADDER_VALUES = ['BANDWIDTH', 'AVERAGE-BANDWIDTH', 'CODECS', 'RESOLUTION'];

const shorter = (size: Size) => Math.min(size.width, size.height);
const attribute = (attributes: readonly Attribute[], name: string) => attributes.find((a) => a.name === name)?.value;

export function resolutionOf(attributes: readonly Attribute[]): Size | null {
  const match = /^(\d+)x(\d+)$/.exec(attribute(attributes, 'RESOLUTION') ?? '');
  return match ? { width: Number(match[1]), height: Number(match[2]) } : null;
}

// `/i/dir/name.mp4/index_0_av.m3u8` → `/i/dir/name.mp4`; null when the variant is not a
// casterpak media playlist of a source file.
function renditionOf(variantPath: string, extensions: readonly string[]): string | null {
  if (!variantPath.endsWith(`/${INDEX_PLAYLIST}`)) return null;
  const rendition = variantPath.slice(0, -INDEX_PLAYLIST.length - 1);
  return extensions.some((ext) => rendition.toLowerCase().endsWith(ext.toLowerCase())) ? rendition : null;
}

// Which of the master's casterpak renditions the ladder derives from: the one with the tallest
// picture (the best source for every smaller profile), the first listed on a tie. Renditions
// named like a profile (`name_360p.mp4`) are themselves derived, or stand in for one.
export function chooseLadderSource(
  paths: readonly string[],
  sizeOf: (path: string) => Size | null,
  plan: Pick<LadderPlan, 'profiles' | 'mediaExtensions'>,
): string | null {
  let best: { path: string; short: number } | null = null;
  for (const path of paths) {
    const rendition = renditionOf(path, plan.mediaExtensions ?? DEFAULT_MEDIA_EXTENSIONS);
    const size = rendition === null || derivedNameOf(rendition, plan.profiles) !== null ? null : sizeOf(path);
    if (size !== null && (best === null || shorter(size) > best.short)) best = { path, short: shorter(size) };
  }
  return best?.path ?? null;
}

// Offline: the profile's codec with the variant's audio codecs, bit rates with an assumed audio
// track (none when the variant's CODECS list no audio), CODECS left out when the variant has none.
function fromProfiles(plan: LadderPlan, size: Size, attributes: readonly Attribute[]): DerivedVariant[] {
  const listed = attribute(attributes, 'CODECS');
  const audio =
    listed === undefined
      ? null
      : listed
          .split(',')
          .map((c) => c.trim())
          .filter((c) => AUDIO_CODEC.test(c));
  const audioBitrate = audio === null || audio.length > 0 ? ASSUMED_AUDIO_BITRATE : 0;
  // Never above the source variant, as in the origin's own masters (docs/renditions.md): without
  // AVERAGE-BANDWIDTH its BANDWIDTH bounds both.
  const peak = Number(attribute(attributes, 'BANDWIDTH'));
  const average = Number(attribute(attributes, 'AVERAGE-BANDWIDTH') ?? peak);
  const source = peak > 0 ? { peakBitrate: peak, averageBitrate: average > 0 ? average : peak } : null;
  return profilesBelow(plan.profiles, size).map((name) => {
    const named = plan.profiles[name];
    const profile = source ? profileBelowSource(named, source, audioBitrate, plan.segmentDuration) : named;
    const rates = derivedBitrates(profile, audioBitrate, plan.segmentDuration);
    const codecs = audio === null ? [] : [h264Codec(profile), ...audio];
    return { profile: name, bandwidth: rates.peak, averageBandwidth: rates.average, codecs, resolution: targetSize(size, profile)! };
  });
}

export function ladderAdditions(videos: readonly VideoVariant[], rungs: readonly Size[], plan: LadderPlan, baseUrl: string): LadderOutcome {
  const none = (skipped: string): LadderOutcome => ({ additions: new Map(), source: null, profiles: [], skipped });
  const firstOf = (path: string) => videos.find((v) => v.path === path)!;
  const sizeOf = (path: string) => (plan.known ? (plan.known.get(path)?.size ?? null) : resolutionOf(firstOf(path).attributes));
  const source = chooseLadderSource([...new Set(videos.map((v) => v.path))], sizeOf, plan);
  if (source === null) {
    return none(
      plan.known
        ? 'no casterpak rendition of the master could be read as a source'
        : 'no casterpak video variant of the master has a RESOLUTION (its source height is unknown)',
    );
  }
  const size = sizeOf(source)!;
  // A rung the master has already (any variant of that shorter side) is not added again.
  const present = new Set([...rungs, ...(plan.known ? [...plan.known.values()].map((k) => k.size) : [])].map(shorter));
  const candidates = plan.known ? (plan.known.get(source)?.variants ?? []) : fromProfiles(plan, size, firstOf(source).attributes);
  const derived = candidates.filter((d) => !present.has(shorter(d.resolution)));
  if (derived.length === 0)
    return { ...none(`no profile below ${size.width}x${size.height} that the master does not have already`), source };
  const rendition = renditionOf(source, plan.mediaExtensions ?? DEFAULT_MEDIA_EXTENSIONS)!;
  const additions = new Map<number, string[]>();
  for (const video of videos.filter((v) => v.path === source)) {
    // Same query as the source's variant (tokens, session ids): only the rendition's name changes.
    const rest = video.uri.slice(baseUrl.length + video.path.length);
    additions.set(
      video.line,
      derived.flatMap((d) => [
        // A CODECS the derived rendition has none for is dropped: the source's would be wrong.
        streamInfOver(video.attributes, { ...d, codecs: d.codecs.join(',') }, LADDER_VALUES, NOT_COPIED),
        `${baseUrl}${derivedPath(rendition, d.profile)}/${INDEX_PLAYLIST}${rest}`,
      ]),
    );
  }
  return { additions, source, profiles: derived.map((d) => d.profile), skipped: null };
}
