// A rendition an older casterpak made (a segment index of another format, its segments perhaps on
// another timeline) is moved aside whole and made again by the request that finds it, never
// mixed with new segments, never answered 404 or by a whole-file run.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEGMENT_INDEX, segmentName } from '../../../../src/lib/cache/names.js';
import { testStore } from '../../../helpers/store.js';
import { SegmentRequests } from '../../../../src/lib/packaging/store/segment-requests.js';
import type { CacheLayout } from '../../../../src/lib/cache/names.js';

const store = (layout?: CacheLayout) => testStore({ layout });

describe('a rendition of an older format', () => {
  it('is made again whole when a missing segment is asked, with the same bytes as a fresh one', async () => {
    const fresh = store();
    await fresh.store.ensure('av.mp4', 2);
    const expected = readFileSync(path.join(fresh.layout.renditionDir('av.mp4'), segmentName(2)));

    const old = store();
    await old.store.ensure('av.mp4', 1);
    const dir = old.layout.renditionDir('av.mp4');
    // An index of another version (its preamble's version word), and a segment of the old
    // rendition that must not survive beside the new ones.
    const index = readFileSync(path.join(dir, SEGMENT_INDEX));
    index.writeUInt32BE(1, 4);
    writeFileSync(path.join(dir, SEGMENT_INDEX), index);
    writeFileSync(path.join(dir, segmentName(1)), 'made by an older casterpak');
    // A process started on the old cache; two players ask at once.
    const again = store(old.layout);
    const [a, b] = await Promise.all([again.store.ensure('av.mp4', 2), again.store.ensure('av.mp4', 3)]);
    expect([a.dir, b.dir]).toEqual([dir, dir]);
    expect(readFileSync(path.join(dir, segmentName(2))).equals(expected)).toBe(true);
    expect(existsSync(path.join(dir, segmentName(1)))).toBe(false);
    expect(readFileSync(path.join(dir, SEGMENT_INDEX)).readUInt32BE(4)).not.toBe(1);
    expect(again.events.map((e) => e.what)).not.toContain('rendition'); // no whole-file run
  });

  it('a rendition gone after its playlist was found (moved aside by another request) is made again, not repaired by a whole-file run', async () => {
    const old = store();
    await old.store.ensure('av.mp4', 1);
    const dir = old.layout.renditionDir('av.mp4');
    const again = store(old.layout);
    // What a request sees when another one moves the rendition aside between its look at the
    // playlist and its read of the index (the first test's two players, one step apart).
    rmSync(dir, { recursive: true });
    const wanted = path.join(dir, segmentName(2));
    expect(await new SegmentRequests(again.store).make('av.mp4', dir, 2, wanted)).toBe('STALE');
    await again.store.ensure('av.mp4', 2);
    const fresh = store();
    await fresh.store.ensure('av.mp4', 2);
    expect(readFileSync(wanted).equals(readFileSync(path.join(fresh.layout.renditionDir('av.mp4'), segmentName(2))))).toBe(true);
    expect(again.events.map((e) => e.what)).not.toContain('rendition');
  });
});
