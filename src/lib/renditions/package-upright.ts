// `casterpak package` without --ladder: every input is a source, and one whose display matrix
// turns its picture is transcoded upright segment by segment, as serve makes it
// (renditions.upright, docs/renditions.md "Phone video"). ffmpeg is checked only when such a
// source is met, so a run of upright sources starts as it always did.
import type { CasterpakConfig } from '../config/schema.js';
import { JobLimiter } from '../packaging/job-limiter.js';
import type { Derivations } from '../packaging/segment-maker.js';
import { createDerivations } from './derivations.js';
import { checkFfmpeg } from './ffmpeg.js';
import { transcodesAtOnce } from './ladder-batch.js';

export function uprightDerivations(config: CasterpakConfig): Derivations {
  return createDerivations({
    ladder: config.renditions.ladder,
    ffmpeg: () => checkFfmpeg(config.ffmpeg.path),
    upright: true,
    limiter: new JobLimiter(transcodesAtOnce(config.package.concurrency), Number.MAX_SAFE_INTEGER),
    timeoutMs: config.renditions.timeoutMs,
    // An input named like a derived rendition is a source all the same.
    sourceExists: () => Promise.resolve(true),
  });
}
