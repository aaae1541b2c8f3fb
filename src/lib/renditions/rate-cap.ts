// A derived rendition never advertises more than its source (docs/renditions.md, "Bit rates"):
// a 540p made from a 720p source of 2.99 Mbit/s at the profile's own 2 Mbit/s average and VBV
// peak would say BANDWIDTH 3.10 M, above the source, and a player ranking variants by BANDWIDTH
// (hls.js) would then never pick the source. The VBV headroom goes first (maxRate down to the
// average, bufSize down to one second of it), which lowers BANDWIDTH but not the average the
// picture's quality rests on; only when that is not enough are all three rates lowered by one
// factor. The encode uses the lowered rates too, so the prediction still bounds what is made.
import type { LadderProfile } from '../config/ladder.js';
import type { MediaInfo } from '../formats/mp4/media-info.js';
import { derivedBitrates, derivedMedia, type PesRates, type Size } from './ladder-plan.js';

/** The video rates a derived rendition is encoded with when they differ from its profile's. */
interface VideoRates {
  readonly videoBitrate: number;
  readonly maxRate: number;
  readonly bufSize: number;
}

// The least of a profile's rates kept: below this the picture is not worth a variant, and the
// source's audio and packet overhead, which no video rate can lower, dominate anyway.
const MIN_FACTOR = 0.05;

// The profile with its headroom above the average kept at `share` (1: the profile's, 0: none).
const withHeadroom = (profile: LadderProfile, share: number): LadderProfile => {
  const minBuf = profile.videoBitrate; // one second at the average rate
  return {
    ...profile,
    maxRate: Math.floor(profile.videoBitrate + Math.max(0, profile.maxRate - profile.videoBitrate) * share),
    bufSize: Math.floor(Math.min(profile.bufSize, minBuf + Math.max(0, profile.bufSize - minBuf) * share)),
  };
};

const scaled = (profile: LadderProfile, factor: number): LadderProfile => ({
  ...profile,
  videoBitrate: Math.floor(profile.videoBitrate * factor),
  maxRate: Math.floor(profile.maxRate * factor),
  bufSize: Math.floor(profile.bufSize * factor),
});

// The largest x in [low, 1] (to 1/1000) for which fits(make(x)) holds; `low` when none does.
function largest(make: (x: number) => LadderProfile, fits: (p: LadderProfile) => boolean, low: number): number {
  let high = 1;
  while (high - low > 0.001) {
    const mid = (low + high) / 2;
    if (fits(make(mid))) low = mid;
    else high = mid;
  }
  return low;
}

// `profile` itself when its rates already sit below the source's, else the profile with less
// headroom or, failing that, all its video rates lowered, just enough to sit below.
export function profileBelowSource(
  profile: LadderProfile,
  source: { readonly peakBitrate: number; readonly averageBitrate: number },
  audioBitrate: number,
  segmentDuration: number,
  pes?: PesRates,
): LadderProfile {
  const fits = (p: LadderProfile) => {
    const rates = derivedBitrates(p, audioBitrate, segmentDuration, pes);
    // Strictly below: a tie would leave the order of the two variants to the player.
    return rates.peak < source.peakBitrate && rates.average < source.averageBitrate;
  };
  if (fits(profile)) return profile;
  if (fits(withHeadroom(profile, 0)))
    return withHeadroom(
      profile,
      largest((x) => withHeadroom(profile, x), fits, 0),
    );
  const flat = withHeadroom(profile, 0);
  return scaled(
    flat,
    largest((x) => scaled(flat, x), fits, MIN_FACTOR),
  );
}

export function videoRatesOf(profile: LadderProfile): VideoRates {
  return { videoBitrate: profile.videoBitrate, maxRate: profile.maxRate, bufSize: profile.bufSize };
}

// What a transcoded rendition's info (derived or upright) takes from its encode: the picture, and
// the rates VBV lets it reach (derivedBitrates), over the source rendition's info.
export function encodedInfo(
  info: { readonly media: MediaInfo; readonly segmentDuration: number; readonly durationMs: number },
  profile: LadderProfile,
  size: Size,
  audioBitrate: number,
  pes: PesRates,
): { media: MediaInfo; peakBitrate: number; averageBitrate: number; bytes: number } {
  const rates = derivedBitrates(profile, audioBitrate, info.segmentDuration, pes);
  return {
    media: derivedMedia(info.media, profile, size),
    peakBitrate: rates.peak,
    averageBitrate: rates.average,
    bytes: Math.round((rates.average / 8) * (info.durationMs / 1000)),
  };
}
