// The source as the whole-file mp42hls run reads it when its samples move onto the presentation
// timeline (formats/mp4/timeline/presentation.ts): a fragmented copy of the film, written segment by
// segment into the run directory (formats/mp42hls/whole-extract.ts), so that `package` and the
// whole-file repair write the bytes segments made alone write (docs/architecture.md).
import { promises as fs } from 'node:fs';
import { buildExtractHeader, extractFragments } from '../../formats/mp42hls/extract.js';
import { extractTimescales } from '../../formats/mp42hls/extract-fragments.js';
import { laidEndToEnd, readRanges } from '../../formats/mp42hls/extract-reads.js';
import { wholeExtractSlices } from '../../formats/mp42hls/whole-extract.js';
import { withFragmentSamples } from '../../formats/mp4/tables/fragment-samples.js';
import { fragmentedDurationMs } from '../../formats/mp4/fragments.js';
import { parseMoov, type Movie } from '../../formats/mp4/moov.js';
import type { BoxSpan } from '../../formats/mp4/top-level.js';
import { planOnPresentationTimeline, type SegmentPlan } from '../../formats/mp42hls/segment-plan.js';

interface TimelineReading {
  readonly moov: Uint8Array;
  readonly movie: Movie;
  readonly plan: SegmentPlan;
}

async function readExactly(handle: fs.FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(end - start);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
  if (bytesRead !== buffer.length) throw new RangeError(`source ends at ${start + bytesRead}, a sample runs to ${end}`);
  return buffer;
}

// Memory stays one segment's samples (and a range per track when they lie apart: extract-reads.ts).
export async function writeTimelineSource(file: string, source: string, reading: TimelineReading): Promise<void> {
  const header = buildExtractHeader(reading.moov, reading.movie, reading.plan);
  const timescales = extractTimescales(header);
  const input = await fs.open(source, 'r');
  const output = await fs.open(file, 'wx');
  try {
    await output.write(header);
    let sequence = 1;
    for (const slices of wholeExtractSlices(reading.plan)) {
      const ranges = readRanges(slices);
      if (ranges.length === 0) continue;
      const parts = await Promise.all(ranges.map((r) => readExactly(input, r.start, r.end)));
      const fragments = extractFragments(laidEndToEnd(slices, ranges), timescales, 0, Buffer.concat(parts), sequence);
      for (const fragment of fragments) await output.write(fragment);
      sequence += fragments.length;
    }
  } finally {
    await Promise.all([input.close(), output.close()]);
  }
}

export interface FragmentedSource {
  /** How long it lasts (formats/mp4/fragments.ts): mp4info counts the moov's samples alone. */
  readonly ms: number;
  /** Every fragment's samples (formats/mp4/tables/fragment-samples.ts), on the presentation timeline. */
  readonly reading: TimelineReading;
  readonly timelineMoved: boolean;
}

// A fragmented source as the whole-file run needs it. mp42hls takes its moofs' decode times as
// they are and ignores its moov's edit lists, so when these move the samples (ffmpeg's
// `delay_moov`: a B-frame delay, AAC priming) the run reads a copy written from every fragment's
// samples, as for a progressive source; its plan says what mp42hls's clock does not count either
// way. Throws Mp4FormatError.
export function fragmentedSource(
  moov: Uint8Array,
  moofs: readonly { readonly bytes: Uint8Array; readonly offset: number }[],
  mdats: readonly BoxSpan[],
  segmentDurationSec: number,
): FragmentedSource {
  const parsed = parseMoov(moov);
  // First: it refuses moofs whose samples lie outside every mdat.
  const ms = fragmentedDurationMs(moov, parsed, moofs, mdats);
  const whole = withFragmentSamples(moov, parsed, moofs);
  const { movie, plan } = planOnPresentationTimeline(whole, segmentDurationSec);
  return { ms, reading: { moov, movie, plan }, timelineMoved: movie !== whole };
}
