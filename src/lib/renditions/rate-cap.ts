// A derived rendition never advertises more than its source (docs/renditions.md, "Bit rates"):
// a 540p made from a 720p source of 2.99 Mbit/s at the profile's own 2 Mbit/s average and VBV
// peak would say BANDWIDTH 3.10 M, above the source, and a player ranking variants by BANDWIDTH
// (hls.js) would then never pick the source. The profile's video rates are scaled down, all
// three by one factor, until its predicted BANDWIDTH and AVERAGE-BANDWIDTH are below the
// source's; the encode uses the scaled rates too, so the prediction still bounds what is made.
import type { LadderProfile } from '../config/ladder.js';
import { derivedBitrates, type PesRates } from './ladder-plan.js';

/** The video rates a derived rendition is encoded with when they differ from its profile's. */
export interface VideoRates {
  readonly videoBitrate: number;
  readonly maxRate: number;
  readonly bufSize: number;
}

// The least of a profile's rates kept: below this the picture is not worth a variant, and the
// source's audio and packet overhead, which no video rate can lower, dominate anyway.
const MIN_FACTOR = 0.05;

const scaled = (profile: LadderProfile, factor: number): LadderProfile => ({
  ...profile,
  videoBitrate: Math.floor(profile.videoBitrate * factor),
  maxRate: Math.floor(profile.maxRate * factor),
  bufSize: Math.floor(profile.bufSize * factor),
});

// `profile` itself when its rates already sit below the source's, else the profile with its
// video rates scaled by the largest factor (to 1/1000) that does.
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
  let low = MIN_FACTOR;
  let high = 1;
  while (high - low > 0.001) {
    const mid = (low + high) / 2;
    if (fits(scaled(profile, mid))) low = mid;
    else high = mid;
  }
  return scaled(profile, low);
}

export function videoRatesOf(profile: LadderProfile): VideoRates {
  return { videoBitrate: profile.videoBitrate, maxRate: profile.maxRate, bufSize: profile.bufSize };
}
