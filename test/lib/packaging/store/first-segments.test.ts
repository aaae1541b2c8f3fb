// A cold playlist answered early has its first segment made right after, from an index of that
// segment alone: the same bytes as the segment made from the rendition's whole index, answered
// from memory while the rendition is made, then committed with it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentName } from '../../../../src/lib/cache/names.js';
import { locateBento4 } from '../../../../src/lib/packaging/bento4.js';
import { FirstSegments, type FirstSegment } from '../../../../src/lib/packaging/store/first-segments.js';
import { REAL_BIN_DIR, REPO_DIR } from '../../../helpers/bento4.js';
import { testStore } from '../../../helpers/store.js';

// The playlist of `file` made with its first segment ahead; what the registry held while it was made.
async function madeAhead(file: string, overrides: Parameters<typeof testStore>[0] = {}) {
  const made = testStore({ firstSegmentAhead: true, ...overrides });
  let first: FirstSegment | undefined;
  let second: FirstSegment | undefined;
  // Looked up before any other work of the process can run (a segment request's): registered in
  // the same turn as the answer.
  await made.store.ensure(file, undefined, undefined, {
    playlist: () =>
      queueMicrotask(() => {
        first = made.store.firstSegments.get(file, 1);
        second = made.store.firstSegments.get(file, 2);
      }),
  });
  return { ...made, first, second, dir: made.layout.renditionDir(file) };
}

describe('a cold playlist’s first segment', () => {
  // B frames with an edit list (the presentation timeline), 29.97 fps, no audio, no video.
  it.each(['av.mp4', 'av-2997.mp4', 'video-only.mp4', 'audio-only.mp4'])(
    '%s: made with the playlist, the bytes of the segment made from the whole index, committed with the rendition',
    async (file) => {
      const { store, first, second, dir } = await madeAhead(file);
      expect(first, 'registered when the playlist is answered').toBeDefined();
      expect(second).toBeUndefined();
      const made = await first!.made;
      expect(made).not.toBeNull();
      expect(store.firstSegments.get(file, 1), 'forgotten once committed').toBeUndefined();
      const committed = readFileSync(path.join(dir, segmentName(1)));
      expect(Buffer.from(made!.bytes).equals(committed)).toBe(true);
      // Handed over with the identity of the file the commit published: the same validators.
      const { size, ino, birthtimeMs } = statSync(path.join(dir, segmentName(1)));
      expect(made!.stat).toMatchObject({ size, ino, birthtimeMs });
      // The oracle: a store without it makes segment 1 from the committed whole index.
      const alone = testStore();
      await alone.store.ensure(file, 1);
      expect(readFileSync(path.join(alone.layout.renditionDir(file), segmentName(1))).equals(committed)).toBe(true);
      expect(alone.events.map((e) => e.what)).toEqual(['playlist', 'segment']);
    },
  );

  it('a segment asked for first (no playlist) is made right after the plan: the bytes of the whole index’s, committed', async () => {
    const { store, layout } = testStore();
    const taken: number[] = [];
    let first: FirstSegment | undefined;
    const give = (entry: FirstSegment) => {
      taken.push(entry.number);
      first = entry;
    };
    expect((await store.ensure('av.mp4', undefined, undefined, { segment: { number: 3, taken: give } })).status).toBe('MISS');
    expect(taken).toEqual([3]);
    const committed = readFileSync(path.join(layout.renditionDir('av.mp4'), segmentName(3)));
    expect(Buffer.from((await first!.made)!.bytes).equals(committed)).toBe(true);
    const alone = testStore();
    await alone.store.ensure('av.mp4', 3);
    expect(readFileSync(path.join(alone.layout.renditionDir('av.mp4'), segmentName(3))).equals(committed)).toBe(true);
    // Past the last segment: none made, the rendition as without it.
    const past = testStore();
    await past.store.ensure('av.mp4', undefined, undefined, { segment: { number: 99, taken: give } });
    expect(taken).toEqual([3]);
    expect(existsSync(path.join(past.layout.renditionDir('av.mp4'), 'index_0_av.m3u8'))).toBe(true);
  });

  it('is not made without the option (serve.readAhead 0), nor without an early answer', async () => {
    const off = testStore();
    await off.store.ensure('av.mp4', undefined, undefined, { playlist: () => {} });
    expect(existsSync(path.join(off.layout.renditionDir('av.mp4'), segmentName(1)))).toBe(false);
    const unanswered = testStore({ firstSegmentAhead: true });
    await unanswered.store.ensure('av.mp4');
    expect(existsSync(path.join(unanswered.layout.renditionDir('av.mp4'), segmentName(1)))).toBe(false);
  });

  it('a first segment that fails leaves the rendition whole without it, for its own request to make', async () => {
    const fake = path.join(REPO_DIR, 'test/fixtures/bin/not-ts/mp42hls'); // writes no MPEG-TS
    const { first, dir, events } = await madeAhead('av.mp4', { bento4: { ...locateBento4(REAL_BIN_DIR, 30_000), mp42hls: fake } });
    expect(await first!.made).toBeNull();
    expect(events.map((e) => [e.what, e.outcome])).toEqual([['playlist', 'committed']]);
    expect(existsSync(path.join(dir, 'index_0_av.m3u8'))).toBe(true);
    expect(existsSync(path.join(dir, segmentName(1)))).toBe(false);
  });
});

describe('FirstSegments', () => {
  const made = { bytes: new Uint8Array(188), stat: { size: 188, ino: 1, birthtimeMs: 1, ctimeMs: 1 } };
  const entry = { number: 1, made: Promise.resolve(made), segments: 3, timing: { toolMs: 0 } };

  it('waits for an answer being written, at most its bound, and for none when no request took it', async () => {
    const firsts = new FirstSegments();
    const untaken = firsts.start('a.mp4', entry);
    let t = performance.now();
    await untaken.answered();
    expect(performance.now() - t).toBeLessThan(50);
    const taken = firsts.start('b.mp4', entry);
    let written = () => {};
    firsts.get('b.mp4', 1)!.answering(new Promise<void>((resolve) => (written = resolve)));
    let done = false;
    const waiting = taken.answered().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    written();
    await waiting;
    // A client that never finishes reading holds the rendition back no longer than the bound.
    const stalled = firsts.start('c.mp4', entry);
    firsts.get('c.mp4', 1)!.answering(new Promise(() => {}));
    firsts.get('c.mp4', 1)!.answering(Promise.reject(new Error('a second request whose client left'))); // not unhandled
    t = performance.now();
    await stalled.answered();
    expect(performance.now() - t).toBeGreaterThanOrEqual(90);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('holds segment 1 only, until its rendition ends; a later start is not ended by an earlier one', () => {
    const firsts = new FirstSegments();
    const earlier = firsts.start('a.mp4', entry);
    expect(firsts.get('a.mp4', 1)).toBeDefined();
    expect(firsts.get('a.mp4', 2)).toBeUndefined();
    const later = firsts.start('a.mp4', entry);
    earlier.end();
    expect(firsts.get('a.mp4', 1)).toBeDefined();
    later.end();
    expect(firsts.get('a.mp4', 1)).toBeUndefined();
  });
});
