// The peak segment bit rate of RFC 8216 §4.3.4.2 (BANDWIDTH; defined in §4.1): the largest bit
// rate of any run of contiguous segments lasting 0.5 to 1.5 times the target duration. One short
// segment alone says nothing of it (a 0.04-s last segment once made BANDWIDTH 3.8 times the real
// peak), and a 0-s one (mp42hls's audio tail) still costs its bytes to whichever run holds it.

interface PeakInput {
  /** Bytes of each segment, in playlist order. */
  readonly bytes: readonly number[];
  /** Seconds of each segment as the playlist says (EXTINF): what runs are measured by. */
  readonly seconds: readonly number[];
  /**
   * Seconds a client may read instead, when two texts of one duration exist (mp42hls's "%f" and
   * the published milliseconds): a run counts when either measure puts it in range, and its rate
   * is taken over the shorter, so the peak bounds it both ways.
   */
  readonly otherSeconds?: readonly number[];
  /** EXT-X-TARGETDURATION, whole seconds. */
  readonly targetDuration: number;
}

const inRange = (s: number, low: number, high: number): boolean => s >= low && s <= high && s > 0;

// Bits per second (not rounded); with no run in range (a playlist shorter than half the
// target), the rate of the whole playlist, which is then its only run.
export function peakBitRate(input: PeakInput): number {
  const { bytes, seconds, targetDuration } = input;
  const other = input.otherSeconds ?? seconds;
  const [low, high] = [0.5 * targetDuration, 1.5 * targetDuration];
  let peak = -1;
  for (let first = 0; first < bytes.length; first++) {
    let [b, s, o] = [0, 0, 0];
    for (let last = first; last < bytes.length; last++) {
      b += bytes[last];
      s += seconds[last];
      o += other[last];
      if (s > high && o > high) break;
      if (inRange(s, low, high) || inRange(o, low, high)) peak = Math.max(peak, (8 * b) / Math.min(s, o));
    }
  }
  if (peak >= 0) return peak;
  const totalBytes = bytes.reduce((sum, n) => sum + n, 0);
  const totalSeconds = Math.min(
    seconds.reduce((sum, n) => sum + n, 0),
    other.reduce((sum, n) => sum + n, 0),
  );
  return totalSeconds > 0 ? (8 * totalBytes) / totalSeconds : 0;
}
