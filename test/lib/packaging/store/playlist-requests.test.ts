// A whole-file run that repairs a rendition's missing segments packages the source as the
// playlist did: on the presentation timeline, so its segments are the bytes made alone beside them.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentName } from '../../../../src/lib/cache/names.js';
import { readSourceMoov } from '../../../../src/lib/packaging/moov-rendition.js';
import { openLocalSource } from '../../../../src/lib/packaging/source/source-reader.js';
import { media } from '../../../helpers/bento4.js';
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
