// A file muxed without interleaving (Bento4's mp4mux: one chunk run per track) is read in
// proportion to each segment: a range per track, not the span from the first video byte to the
// last audio byte; the segments stay the whole-file run's bytes.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentName } from '../../../src/lib/cache/names.js';
import { readRanges } from '../../../src/lib/formats/mp42hls/extract-reads.js';
import type { SampleSlice } from '../../../src/lib/formats/mp42hls/extract.js';
import { REAL_BIN_DIR } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testStore } from '../../helpers/store.js';

// Elementary streams muxed by mp4mux, which writes each track's samples as one run.
function nonInterleaved(): string {
  const dir = tempDir('casterpak-mux-');
  const ff = (args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  const video = '-f lavfi -i testsrc2=size=640x360:rate=24 -t 12 -c:v libx264 -crf 8 -bf 0 -g 24 -pix_fmt yuv420p -f h264';
  ff([...video.split(' '), `${dir}/v.h264`]);
  ff([...'-f lavfi -i sine=frequency=440:sample_rate=48000 -t 12 -c:a aac -b:a 128k -f adts'.split(' '), `${dir}/a.aac`]);
  execFileSync(path.join(REAL_BIN_DIR, 'mp4mux'), ['--track', `h264:${dir}/v.h264`, '--track', `aac:${dir}/a.aac`, `${dir}/mux.mp4`]);
  return `${dir}/mux.mp4`;
}

const store = (file: string) => testStore({ resolveSource: async () => file });

const slice = (offsets: number[], sizes: number[]): SampleSlice => ({
  trackId: 1,
  descriptionIndex: 1,
  baseDecodeTime: 0,
  durations: sizes.map(() => 1),
  sizes,
  sync: sizes.map(() => 1),
  compositionOffsets: sizes.map(() => 0),
  offsets,
});

describe('reads of a segment alone', () => {
  it('merges overlapping or near ranges and keeps distant ones apart', () => {
    expect(readRanges([slice([100, 300], [100, 50]), slice([200, 400], [100, 10])])).toEqual([{ start: 100, end: 410 }]);
    expect(readRanges([slice([0], [10]), slice([1000], [10])], 100)).toEqual([
      { start: 0, end: 10 },
      { start: 1000, end: 1010 },
    ]);
    expect(readRanges([slice([0], [10]), slice([50], [10])], 100)).toEqual([{ start: 0, end: 60 }]);
  });

  it('a non-interleaved file: every segment alone is the whole-file bytes, the file read about once', { timeout: 120_000 }, async () => {
    const file = nonInterleaved();
    const packaged = store(file);
    expect(await packaged.store.make('mux.mp4', false)).toBe('committed');
    const alone = store(file);
    await alone.store.ensure('mux.mp4');
    const dirA = packaged.layout.renditionDir('mux.mp4');
    const count = readdirSync(dirA).filter((n) => n.endsWith('.ts')).length;
    expect(count).toBeGreaterThanOrEqual(5);
    for (let n = 1; n <= count; n++) {
      await alone.store.ensure('mux.mp4', n);
      const madeAlone = readFileSync(path.join(alone.layout.renditionDir('mux.mp4'), segmentName(n)));
      expect(madeAlone.equals(readFileSync(path.join(dirA, segmentName(n)))), `segment ${n}`).toBe(true);
    }
    const segments = alone.events.filter((e) => e.what === 'segment');
    expect(segments).toHaveLength(count);
    const read = segments.reduce((sum, e) => sum + e.sourceBytes, 0);
    // The audio look-ahead sample and read-through gaps aside, each sample byte is read once.
    expect(read).toBeLessThan(1.15 * statSync(file).size);
  });
});
