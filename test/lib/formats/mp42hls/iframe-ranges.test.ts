// predictKeyFrames against two oracles on real files: Bento4's own I-frame index (mp42hls
// --iframe-index, on the segments as mp42hls writes them) and casterpak's key-frame scan of the
// same segments normalised as casterpak serves them (formats/mpegts/continuity.ts). Files: the
// fixtures mp42hls packages with video, and the upload corpus (test/fixtures/make-corpus.sh):
// B-frames, open GOP, long GOP, all-intra (many key frames a segment), 10-bit, HEVC, audio first,
// AC-3, 8 kHz audio under 60 fps video, negative composition offsets, stream-copy cuts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { predictKeyFrames, readSampleHead, samplesToRead, type SampleHead } from '../../../../src/lib/formats/mp42hls/iframe-ranges.js';
import { planSegments, type SegmentPlan } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { normaliseContinuity } from '../../../../src/lib/formats/mpegts/continuity.js';
import { scanKeyFrames } from '../../../../src/lib/formats/mpegts/keyframes.js';
import { REPO_DIR } from '../../../helpers/bento4.js';
import { runMp42hlsWithIFrames } from '../../../helpers/bento4-iframes.js';
import { media, mp42hls, readMoov, readSpan } from '../helpers/mp42hls-oracle.js';

const FIXTURES = ['av.mp4', 'av-2997.mp4', 'av-no-bframes.mp4', 'moov-at-end.mp4', 'video-only.mp4', 'hevc.mp4'];
const CORPUS = [
  'bframes-editlist.mp4',
  'open-gop.mp4',
  'long-gop.mp4',
  'all-intra.mp4',
  'h264-10bit.mp4',
  'hevc-hev1.mp4',
  'audio-first.mp4',
  'ac3.mp4',
  'fps60-audio8k.mp4',
  'negative-cts.mp4',
  'cut-copy.mp4',
  'two-audio.mp4',
  'vfr.mp4',
];
const DURATIONS = [1, 2, 6];

let corpus = '';
beforeAll(() => {
  corpus = mkdtempSync(path.join(os.tmpdir(), 'casterpak-corpus-'));
  execFileSync('bash', [path.join(REPO_DIR, 'test/fixtures/make-corpus.sh'), corpus], { stdio: 'ignore', timeout: 120_000 });
}, 150_000);
afterAll(() => rmSync(corpus, { recursive: true, force: true }));

const fileOf = (name: string): string => (FIXTURES.includes(name) ? media(name) : path.join(corpus, name));
const planOf = async (file: string, duration: number) => planSegments(parseMoov(await readMoov(file)), duration);

// Each sync sample's head from its first 64 bytes, read more only when they do not tell.
function headsOf(file: string, plan: SegmentPlan): Map<number, SampleHead> {
  const { hevc, lengthSize, sync } = samplesToRead(plan)!;
  const heads = new Map<number, SampleHead>();
  for (const { index, offset, size } of sync) {
    const head =
      readSampleHead(readSpan(file, offset, offset + Math.min(size, 64)), size, lengthSize, hevc) ??
      readSampleHead(readSpan(file, offset, offset + size), size, lengthSize, hevc);
    heads.set(index, head!);
  }
  return heads;
}
const keysOf = (file: string, plan: SegmentPlan) => {
  const heads = headsOf(file, plan);
  return { isKey: (sample: number) => heads.get(sample)!.key, nalUnits: (sample: number) => heads.get(sample)?.nalUnits };
};

const CASES = [...FIXTURES, ...CORPUS].flatMap((name) => DURATIONS.map((d) => [name, d] as const));

describe('predictKeyFrames: the key frames of every segment, from the moov alone', () => {
  it.each(CASES)('%s at %i s: equal to the scan of the normalised segments', async (name, duration) => {
    const file = fileOf(name);
    const [plan, run] = await Promise.all([planOf(file, duration), mp42hls(file, duration)]);
    const scanned = run.segments.map((ts, i) => {
      const scan = scanKeyFrames(normaliseContinuity(ts, i), `raw-${i}.ts`);
      return scan.keyFrames.map((k) => ({ offset: k.offset, size: k.size, pts: k.pts - scan.firstPts! }));
    });
    const predicted = predictKeyFrames(plan, keysOf(file, plan))!.map((s) => s.keyFrames.map((k) => ({ ...k, pts: k.pts - s.firstPts! })));
    expect(scanned.flat().length).toBeGreaterThan(0);
    expect(predicted).toEqual(scanned);
  });

  it.each(CASES)('%s at %i s: equal to Bento4 --iframe-index on the segments as mp42hls writes them', async (name, duration) => {
    const file = fileOf(name);
    const bento4 = runMp42hlsWithIFrames(file, duration);
    const predicted = predictKeyFrames(await planOf(file, duration), { normalised: false })!.flatMap((s, i) =>
      s.keyFrames.map((k) => ({ uri: `raw-${i}.ts`, offset: k.offset, length: k.size })),
    );
    expect(predicted).toEqual(bento4.iframes.map(({ uri, offset, length }) => ({ uri, offset, length })));
  });

  it('an open GOP: its sync samples that are not IDR pictures are key frames for Bento4 only', async () => {
    const file = fileOf('open-gop.mp4');
    const plan = await planOf(file, 6);
    const all = predictKeyFrames(plan)!.flatMap((s) => s.keyFrames);
    const idr = predictKeyFrames(plan, keysOf(file, plan))!.flatMap((s) => s.keyFrames);
    expect(idr.length).toBeGreaterThan(0);
    expect(idr.length).toBeLessThan(all.length);
  });

  it('readSampleHead reads length-prefixed NAL units up to the first VCL one', () => {
    const sei = [0, 0, 0, 3, 6, 1, 2];
    const idr = [0, 0, 0, 2, 0x65, 0];
    expect(readSampleHead(Uint8Array.from([...sei, ...idr]), 13, 4, false)).toEqual({ key: true, nalUnits: 2, aud: false });
    expect(readSampleHead(Uint8Array.from([...sei, 0, 0, 0, 2, 0x41, 0]), 13, 4, false)).toEqual({ key: false, nalUnits: 2, aud: false });
    expect(readSampleHead(Uint8Array.from([...idr, ...idr]), 12, 4, false)).toEqual({ key: true, aud: false }); // two slices
    expect(readSampleHead(Uint8Array.from([0, 0, 0, 2, 9, 0xf0, ...idr]), 12, 4, false)).toMatchObject({ aud: true, nalUnits: 2 });
    expect(readSampleHead(Uint8Array.from(sei), 13, 4, false)).toBeUndefined(); // read more
    expect(readSampleHead(Uint8Array.from(sei), 7, 4, false)).toEqual({ key: false, nalUnits: 1, aud: false }); // no picture
    expect(readSampleHead(Uint8Array.from([0, 3, 0x2a, 1, 0]), 5, 2, true)).toMatchObject({ key: true }); // H.265 CRA (21)
    expect(readSampleHead(Uint8Array.from([0, 3, 0x02, 1, 0]), 5, 2, true)).toMatchObject({ key: false }); // H.265 TRAIL_R (1)
  });

  it('audio only: nothing to predict', async () => {
    expect(predictKeyFrames(await planOf(media('audio-only.mp4'), 2))).toBeNull();
  });
});
