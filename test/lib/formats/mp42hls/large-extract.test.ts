// A segment whose samples exceed mp42hls's read-ahead buffer (Bento4's linear reader refuses to
// hold more than 16 MiB while it looks for the other track's next sample: error -23) is made
// alone all the same, byte for byte as the whole-file run once continuity is normalised.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSegmentExtract } from '../../../../src/lib/formats/mp42hls/extract.js';
import { FRAGMENT_BYTES } from '../../../../src/lib/formats/mp42hls/extract-fragments.js';
import { childBoxes } from '../../../../src/lib/formats/mp4/boxes.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { ALONE_SEGMENT_DURATION, planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { normaliseContinuity } from '../../../../src/lib/formats/mpegts/continuity.js';
import { dropTrailingPes } from '../../../../src/lib/formats/mpegts/drop-trailing-pes.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { media, mp42hls, mp42hlsBytes, readMoov, readSpan } from '../helpers/mp42hls-oracle.js';

// Lossless H.264 of noise is ~1.4 MB a frame, so 1.2 s makes segments far over 16 MiB, fast.
function bigFile(): string {
  const file = path.join(tempDir('casterpak-big-'), 'big.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'nullsrc=s=1280x720:r=25,geq=random(1)*255:128:128'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '1.2'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '100', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', file],
  ]);
  return file;
}

describe('an extract over mp42hls read-ahead limit', () => {
  it('packages alone into the whole-file run segment', { timeout: 120_000 }, async () => {
    const file = bigFile();
    const moov = await readMoov(file);
    const movie = parseMoov(moov);
    const plan = planSegments(movie, 100);
    expect(plan.segments.length).toBe(1);
    const segment = plan.segments[0];
    expect(segment.sampleBytes).toBeGreaterThan(24 * 1024 * 1024);
    const whole = await mp42hls(file, 100);
    const extract = buildSegmentExtract(moov, movie, plan, 0, readSpan(file, segment.span.start, segment.span.end));
    const mdats = [...childBoxes(extract, 0, extract.length)].filter((b) => b.type === 'mdat');
    expect(mdats.length).toBeGreaterThan(4);
    for (const mdat of mdats) expect(mdat.size).toBeLessThan(FRAGMENT_BYTES + 2 * 1024 * 1024);
    const alone = await mp42hlsBytes(extract, ALONE_SEGMENT_DURATION);
    expect(alone.segments.length).toBe(1);
    const mine = normaliseContinuity(dropTrailingPes(alone.segments[0], segment.audioLookahead), 0);
    expect(Buffer.from(mine).equals(normaliseContinuity(whole.segments[0], 0))).toBe(true);
  });

  it('keeps a small segment in one fragment', async () => {
    const file = media('av.mp4');
    const moov = await readMoov(file);
    const movie = parseMoov(moov);
    const plan = planSegments(movie, 2);
    const { span } = plan.segments[0];
    const extract = buildSegmentExtract(moov, movie, plan, 0, readSpan(file, span.start, span.end));
    expect([...childBoxes(extract, 0, extract.length)].map((b) => b.type)).toEqual(['ftyp', 'moov', 'moof', 'mdat']);
  });
});
