// A source whose key frames are far apart makes segments far longer than asked: mp42hls can only
// cut at a key frame (RFC 8216 section 6.2.4: a segment starts with one for players to seek and
// switch), so an 8-s GOP under a 10-s target gives 16-s segments. The packaging run that read
// the source's moov reports it (PackagingEvent.movie); `package` says so once per source made,
// serve logs it once per source, naming its GOP, rather than leaving it to be found in the playlists.
import path from 'node:path';
import type { Movie } from '../../formats/mp4/moov.js';
import { decodeTimesOf } from '../../formats/mp4/sample-tables.js';
import { isUrl } from '../../shared/paths.js';
import type { PackageItemResult } from '../package-runner.js';
import type { Logger } from '../../shared/logger.js';
import { warnOncePerKey } from '../../shared/warn-once.js';
import type { PackagingEvent } from './store-context.js';

// The longest span between two key frames of the first video track, in seconds; null without video.
function longestGop(movie: Movie): number | null {
  const video = movie.tracks.find((t) => t.handler === 'vide');
  if (!video || video.timescale <= 0) return null;
  const { sync, count } = video.samples;
  const times = decodeTimesOf(video.samples); // read at key frames alone
  let last = -1;
  let longest = 0;
  // From key frame to key frame (sync flags are 0 or 1, formats/mp4/sample-tables.ts): the
  // builtin search, not a JavaScript test per sample (a 2-hour film's 180,000 frames took 1.5 ms
  // of each cold playlist's answer).
  for (let i = sync.indexOf(1); i >= 0 && i < count; i = sync.indexOf(1, i + 1)) {
    if (last >= 0) longest = Math.max(longest, times.at(i) - times.at(last));
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

// The GOP warning of a packaging run that read its source's moov and committed; null otherwise.
function eventGopWarning(event: PackagingEvent, segmentDuration: number): string | null {
  if (event.error !== undefined || !event.movie) return null;
  const gop = longestGop(event.movie);
  return gop === null ? null : gopWarning(event.renditionPath, gop, segmentDuration);
}

// serve: once per source for as long as it is remembered (a source is made again after prune).
export function longGopWarnings(logger: Logger, segmentDuration: number): (event: PackagingEvent) => void {
  const warnOnce = warnOncePerKey(logger, 10_000);
  return (event) => {
    const warning = eventGopWarning(event, segmentDuration);
    if (warning)
      warnOnce(event.renditionPath, 'long key-frame interval: segments run past the segment duration', {
        rendition: event.renditionPath,
        reason: warning,
      });
  };
}

// package: the first run that read each source's moov; a warning for each source made, naming
// its input (a file by its absolute path). Each source's longest GOP is taken when its run
// reports it: the movie (its sample tables, 15 MB for a 2-hour film) is not kept until a batch
// of a whole library ends.
export function runGopWarnings(segmentDuration: number) {
  const gops = new Map<string, number | null>();
  return {
    onPackaging(event: PackagingEvent): void {
      if (event.error === undefined && event.movie && !gops.has(event.renditionPath))
        gops.set(event.renditionPath, longestGop(event.movie));
    },
    warnings(results: readonly PackageItemResult[], cwd: string): string[] {
      return results.flatMap((r) => {
        const gop = r.status === 'made' && !r.profile && r.renditionPath ? gops.get(r.renditionPath) : undefined;
        const warning = gop != null && gopWarning(isUrl(r.input) ? r.input : path.resolve(cwd, r.input), gop, segmentDuration);
        return warning ? [warning] : [];
      });
    },
  };
}
