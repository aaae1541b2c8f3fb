// The segment counter lives in src (packaging verifies every segment with it); tests compare samples only.
import { pesCounts as count } from '../../../../src/lib/formats/mpegts/pes-counts.js';

export const pesCounts = (ts: Uint8Array): { video: number; audio: number } => {
  const { video, audio } = count(ts);
  return { video, audio };
};
