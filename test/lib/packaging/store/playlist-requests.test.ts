// A whole-file run that repairs a rendition's missing segments packages the source as the
// playlist did: on the presentation timeline, so its segments are the bytes made alone beside them.
// A playlist made from the moov is handed over before its rendition is committed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INDEX_PLAYLIST, segmentName } from '../../../../src/lib/cache/names.js';
import { locateBento4 } from '../../../../src/lib/packaging/bento4.js';
import { JobLimiter } from '../../../../src/lib/packaging/job-limiter.js';
import { readSourceMoov } from '../../../../src/lib/packaging/moov-rendition.js';
import { openLocalSource } from '../../../../src/lib/packaging/source/source-reader.js';
import { REAL_BIN_DIR, media } from '../../../helpers/bento4.js';
import { testStore } from '../../../helpers/store.js';

describe('PlaylistRequests.repairWholeFile', () => {
  it('repairs the segments of a film whose samples move with the bytes of the segments made alone', async () => {
    // av.mp4's edit list and composition offsets move its samples (formats/mp4/timeline/presentation.ts):
    // mp42hls on the source as it is would cut another timeline.
    const source = await openLocalSource(media('av.mp4'), 'av.mp4');
    try {
      const reading = await readSourceMoov({ renditionPath: 'av.mp4', source, segmentDuration: 2 });
      expect(reading.timelineMoved).toBe(true);
    } finally {
      await source.close();
    }
    const alone = testStore();
    const repaired = testStore();
    await repaired.store.ensure('av.mp4');
    const dir = repaired.layout.renditionDir('av.mp4');
    await repaired.store.repairWholeFile('av.mp4', path.join(dir, segmentName(1)));
    expect(repaired.events.map((e) => e.what)).toContain('rendition'); // a whole-file run made them
    let n = 1;
    for (; existsSync(path.join(dir, segmentName(n))); n++) {
      await alone.store.ensure('av.mp4', n);
      const made = readFileSync(path.join(alone.layout.renditionDir('av.mp4'), segmentName(n)));
      expect(readFileSync(path.join(dir, segmentName(n))).equals(made), `segment ${n}`).toBe(true);
    }
    expect(n - 1).toBeGreaterThan(2);
  });
});

describe('PlaylistRequests: the playlist answered before its rendition is committed', () => {
  it('hands over the playlist made from the moov before the rendition is in place, the same text it then commits', async () => {
    const { store, layout } = testStore();
    const committed = path.join(layout.renditionDir('av.mp4'), INDEX_PLAYLIST);
    const answers: { text: string; inPlace: boolean }[] = [];
    const { status } = await store.ensure('av.mp4', undefined, undefined, {
      playlist: (text) => answers.push({ text, inPlace: existsSync(committed) }),
    });
    expect(status).toBe('MISS');
    expect(answers).toEqual([{ text: readFileSync(committed, 'utf8'), inPlace: false }]);
    expect(answers[0].text).toContain('#EXT-X-ENDLIST');
  });

  it('answers nothing when the playlist is there already, or when a whole-file run makes it', async () => {
    const { store } = testStore();
    await store.ensure('av.mp4');
    const answers: string[] = [];
    expect((await store.ensure('av.mp4', undefined, undefined, { playlist: (text) => answers.push(text) })).status).toBe('HIT');
    // Another Bento4 than the pinned one: mp42hls's own playlist, known only once it has run.
    const other = testStore({ bento4: { ...locateBento4(REAL_BIN_DIR, 30_000), pinned: false } });
    expect((await other.store.ensure('av.mp4', undefined, undefined, { playlist: (text) => answers.push(text) })).status).toBe('MISS');
    expect(other.events.map((e) => e.what)).toContain('rendition');
    expect(answers).toEqual([]);
  });

  it('answers nothing early for a source turned upright: its info, made after, may still refuse it', async () => {
    const turned: string[] = [];
    const { store } = testStore({
      derivations: {
        derive: async () => null,
        uprightSource: async () => (info) => info,
        transform: () => {
          throw new Error('no segment is made here');
        },
        limiter: new JobLimiter(1, 1),
      },
    });
    expect((await store.ensure('av.mp4', undefined, undefined, { playlist: (text) => turned.push(text) })).status).toBe('MISS');
    expect(turned).toEqual([]);
  });
});
