// Which renditions are derived, and how (docs/renditions.md): `<name>_<profile>.mp4` is derived
// from `<name>.mp4` with the ladder's profile unless a real file of that name exists (an encoded
// rendition wins). The rendition store asks this module and runs the transcodes it describes.
import { CasterpakError } from '../shared/errors.js';
import type { Ladder } from '../config/ladder.js';
import type { RenditionInfo } from '../cache/rendition-info.js';
import type { JobLimiter } from '../packaging/job-limiter.js';
import type { Derivation, Derivations, ExtractParts, ExtractTransform } from '../packaging/segment-maker.js';
import { derivedNameOf, pesRatesOf, targetSize, uprightSize, type DerivedName } from './ladder-plan.js';
import { transcodeTransform } from './transcoder.js';
import { encodedInfo, profileBelowSource, videoRatesOf } from './rate-cap.js';
import { audioTrack } from '../packaging/mp4info.js';
import type { FfmpegCheck } from './ffmpeg.js';
import { profileOfUpright, turnedVideo, uprightInfo } from './upright.js';

interface DerivationsOptions {
  readonly ladder: Ladder;
  /** The ffmpeg check, or how to make it when first needed (package: a run with no phone video never checks). */
  readonly ffmpeg: FfmpegCheck | (() => Promise<FfmpegCheck>);
  /** renditions.upright: a source whose display matrix turns its picture is transcoded upright. */
  readonly upright?: boolean;
  readonly limiter: JobLimiter;
  /** Time limit of one segment's ffmpeg run. */
  readonly timeoutMs: number;
  /** Whether a source file of this rendition path exists (local or upstream). */
  readonly sourceExists: (renditionPath: string, signal?: AbortSignal) => Promise<boolean>;
  /** Encodes made for several profiles of a source at once (package --ladder): consulted before ffmpeg runs. */
  readonly shared?: SharedEncodes;
}

export interface SharedEncodes {
  /** The encode of `parts` for `profileName` of the source `sourcePath`, or null when none was planned. */
  encoded(sourcePath: string, profileName: string, parts: ExtractParts, work: Parameters<ExtractTransform>[1]): Promise<Uint8Array | null>;
}

function describe(
  renditionPath: string,
  name: DerivedName,
  reading: Parameters<Derivation['describe']>[0],
  info: RenditionInfo,
  upright: boolean,
): RenditionInfo {
  const video = reading.movie.tracks.find((t) => t.handler === 'vide');
  const shown = video ? uprightSize(video) : null;
  if (!shown) throw new CasterpakError('UNSUPPORTED_MEDIA', `${renditionPath}: ${name.sourcePath} has no video to derive from`);
  const size = targetSize(shown, name.profile);
  if (!size)
    throw new CasterpakError(
      'NOT_FOUND',
      `${renditionPath}: ${name.sourcePath} is ${shown.width}x${shown.height}; the ${name.profileName} profile (${name.profile.height} lines) would upscale it`,
    );
  const audio = info.media.tracks.find((t) => t.type === 'audio');
  if (audio && !audioTrack(info.media))
    throw new CasterpakError(
      'UNSUPPORTED_MEDIA',
      `${renditionPath}: ${name.sourcePath} has ${audio.codingName} audio, which MPEG-TS cannot carry (re-encoding audio is not supported)`,
    );
  const audioBitrate = (audio?.bitrateKbps ?? 0) * 1000;
  const pes = pesRatesOf(reading.movie.tracks);
  // Below the source rendition as served: upright, its rates are its encode's.
  const source = (upright && uprightInfo(reading, info)) || info;
  const profile = profileBelowSource(name.profile, source, audioBitrate, info.segmentDuration, pes);
  // No I-frame rates: trick play is served from the source rendition (docs/renditions.md).
  const { iframeBitrate: _sourceOnly, ...rest } = info;
  return {
    ...rest,
    ...encodedInfo(info, profile, size, audioBitrate, pes),
    derived: {
      profile: name.profileName,
      source: name.sourcePath,
      ...(profile === name.profile ? {} : { rates: videoRatesOf(profile) }),
    },
  };
}

// `film_999p.mp4` without a file of its own, beside a `film.mp4`: a profile the ladder does not
// have, said as such rather than as a missing source. Only names that end like a profile
// (`_<digits>p`) are looked at, so other names cost no extra look-up.
async function refuseUnknownProfile(
  renditionPath: string,
  ladder: Ladder,
  sourceExists: DerivationsOptions['sourceExists'],
  signal?: AbortSignal,
): Promise<void> {
  const match = /^(.*[^/])_(\d{2,4}p)(\.[A-Za-z0-9]{1,8})$/.exec(renditionPath);
  if (!match || (await sourceExists(renditionPath, signal)) || !(await sourceExists(match[1] + match[3], signal))) return;
  throw new CasterpakError(
    'NOT_FOUND',
    `${renditionPath}: no profile ${match[2]} in the ladder (renditions.ladder has ${Object.keys(ladder).join(', ')}) to derive from ${match[1] + match[3]}`,
  );
}

export function createDerivations(options: DerivationsOptions): Derivations {
  const { ladder } = options;
  const upright = options.upright === true;
  let checked: Promise<FfmpegCheck> | undefined;
  const ffmpegCheck = () => (checked ??= typeof options.ffmpeg === 'function' ? options.ffmpeg() : Promise.resolve(options.ffmpeg));
  const usable = async (renditionPath: string) => {
    const ffmpeg = await ffmpegCheck();
    if (!ffmpeg.ok) throw new CasterpakError('NOT_FOUND', `${renditionPath}: derived renditions are unavailable: ${ffmpeg.reason}`);
    return ffmpeg.ffmpeg;
  };
  return {
    limiter: options.limiter,
    // A turned picture without a usable ffmpeg is packaged as stored (sideways), as with the key off.
    async uprightSource(reading) {
      if (!upright || !turnedVideo(reading) || !(await ffmpegCheck()).ok) return null;
      return (info) => uprightInfo(reading, info) ?? info;
    },
    async derive(renditionPath, signal) {
      const name = derivedNameOf(renditionPath, ladder);
      if (!name) {
        await refuseUnknownProfile(renditionPath, ladder, options.sourceExists, signal);
        return null;
      }
      if (await options.sourceExists(renditionPath, signal)) return null;
      await usable(renditionPath);
      return { sourcePath: name.sourcePath, describe: (reading, info) => describe(renditionPath, name, reading, info, upright) };
    },
    // What the info says, not the key: a rendition's segments are all made one way.
    transform(info) {
      const named = info.derived && Object.hasOwn(ladder, info.derived.profile) ? ladder[info.derived.profile] : null;
      const profile = info.upright ? profileOfUpright(info) : named && info.derived?.rates ? { ...named, ...info.derived.rates } : named;
      const video = info.media.tracks.find((t) => t.type === 'video');
      if (!profile || !video?.width || !video.height)
        throw new CasterpakError('NOT_FOUND', `${info.renditionPath}: profile ${info.derived?.profile} is no longer in the ladder`);
      // Encodes shared between profiles (package --ladder) are planned with each rendition's own
      // rates (a lowered one's too: ladder-batch.ts), so each output is what serve makes alone.
      const derived = info.derived;
      const shared =
        options.shared && derived
          ? (parts: ExtractParts, work: Parameters<ExtractTransform>[1]) =>
              options.shared!.encoded(derived.source, derived.profile, parts, work)
          : undefined;
      const size = { width: video.width, height: video.height };
      if (typeof options.ffmpeg !== 'function' && !options.ffmpeg.ok)
        throw new CasterpakError('NOT_FOUND', `${info.renditionPath}: derived renditions are unavailable: ${options.ffmpeg.reason}`);
      return async (parts, work) => {
        const ffmpeg = await usable(info.renditionPath);
        const keyint = info.upright?.keyint;
        const output = { profile, size, ...(keyint === undefined ? {} : { keyint }), ...(derived?.rates ? { oneThread: true } : {}) };
        return transcodeTransform(output, { ffmpeg, timeoutMs: options.timeoutMs }, shared)(parts, work);
      };
    },
  };
}
