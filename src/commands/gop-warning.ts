// A source whose key frames are far apart makes segments far longer than asked: mp42hls can only
// cut at a key frame (RFC 8216 section 6.2.4: a segment starts with one for players to seek and
// switch), so an 8-s GOP under a 10-s target gives 16-s segments. `package` says so once per
// source made, naming its GOP, rather than leaving it to be found in the playlists.
import { parseMoov, type Movie } from '../lib/formats/mp4/moov.js';
import { openLocalSource, readMoov } from '../lib/packaging/source/source-reader.js';

// The longest span between two key frames of the first video track, in seconds; null without video.
function longestGop(movie: Movie): number | null {
  const video = movie.tracks.find((t) => t.handler === 'vide');
  if (!video || video.timescale <= 0) return null;
  const { sync, decodeTimes, count } = video.samples;
  let last = -1;
  let longest = 0;
  for (let i = 0; i < count; i++) {
    if (!sync[i]) continue;
    if (last >= 0) longest = Math.max(longest, decodeTimes[i] - decodeTimes[last]);
    last = i;
  }
  return last < 0 ? null : longest / video.timescale;
}

// The warning for a source with this GOP, or null when its segments stay within half a target
// duration of what was asked (mp42hls ends a segment at the first key frame past the target).
export function gopWarning(source: string, gop: number, segmentDuration: number): string | null {
  if (gop <= 0) return null;
  const segment = Math.ceil(segmentDuration / gop - 1e-9) * gop;
  if (segment <= segmentDuration * 1.5) return null;
  return (
    `${source}: key frames every ${gop.toFixed(1)} s (its GOP), so its segments run to about ${segment.toFixed(1)} s ` +
    `against a segment duration of ${segmentDuration} s: re-encode it with a key frame at least every ${segmentDuration} s ` +
    '(e.g. ffmpeg -force_key_frames "expr:gte(t,n_forced*2)"), or give a longer --segment-duration'
  );
}

// The GOP warning of a local source file; null when it has none or cannot be read (the
// packaging run has said so already).
export async function sourceGopWarning(file: string, segmentDuration: number): Promise<string | null> {
  const reader = await openLocalSource(file, file).catch(() => null);
  if (reader === null) return null;
  try {
    const gop = longestGop(parseMoov((await readMoov(reader, file)).moov));
    return gop === null ? null : gopWarning(file, gop, segmentDuration);
  } catch {
    return null;
  } finally {
    await reader.close();
  }
}
