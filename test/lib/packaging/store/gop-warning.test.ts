import { describe, expect, it } from 'vitest';
import type { Movie } from '../../../../src/lib/formats/mp4/moov.js';
import type { PackageItemResult } from '../../../../src/lib/packaging/package-runner.js';
import { runGopWarnings } from '../../../../src/lib/packaging/store/gop-warning.js';

// A movie of one video track whose key frames are 8 s apart (what the GOP is read from).
function longGopMovie() {
  const samples = { count: 3, sync: Uint8Array.of(1, 0, 1), decodeTimes: Float64Array.of(0, 4000, 8000) };
  return { samples, movie: { tracks: [{ handler: 'vide', timescale: 1000, samples }] } as unknown as Movie };
}

const made = (input: string): PackageItemResult => ({
  input,
  renditionPath: input,
  status: 'made',
  dir: null,
  segments: 1,
  bytes: 1,
  durationMs: 1,
});

describe('runGopWarnings', () => {
  it("takes a source's GOP when its run reports it: its movie is not kept until the batch ends", () => {
    const gops = runGopWarnings(2);
    const { samples, movie } = longGopMovie();
    gops.onPackaging({ renditionPath: 'a.mp4', what: 'playlist', outcome: 'committed', durationMs: 1, sourceBytes: 1, movie });
    samples.sync.fill(0); // what the movie says after its run reported it does not count
    expect(gops.warnings([made('a.mp4')], '/library')).toEqual([expect.stringMatching(/^\/library\/a\.mp4: key frames every 8\.0 s/)]);
  });

  it('warns for sources made only, not for a failed run', () => {
    const gops = runGopWarnings(2);
    gops.onPackaging({
      renditionPath: 'b.mp4',
      what: 'playlist',
      outcome: 'failed',
      durationMs: 1,
      sourceBytes: 1,
      error: new Error('x'),
      movie: longGopMovie().movie,
    });
    expect(gops.warnings([made('b.mp4'), { ...made('c.mp4'), status: 'failed' }], '/library')).toEqual([]);
  });
});
