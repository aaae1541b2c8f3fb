// The store's one cache of moov readings (audio renditions and the fMP4 form) is bounded by the
// readings' bytes, not their count: a long film's moov and sample tables weigh what they hold.
import { describe, expect, it } from 'vitest';
import { RenditionStore } from '../../../../src/lib/packaging/rendition-store.js';
import { MoovReadings, readingBytes } from '../../../../src/lib/packaging/store/moov-readings.js';
import { media } from '../../../helpers/bento4.js';
import { testStore } from '../../../helpers/store.js';

const storeOf = () => testStore({ resolveSource: async (p) => media(p.replace(/^copy\d\//, '')) }).store;

async function readingOf(readings: MoovReadings, store: RenditionStore, renditionPath: string) {
  const source = await store.open(renditionPath);
  try {
    return await readings.read(renditionPath, source);
  } finally {
    await source.close();
  }
}

describe('MoovReadings', () => {
  it('weighs a reading by its moov and sample tables', async () => {
    const store = storeOf();
    const reading = await readingOf(store.moovReadings, store, 'av.mp4');
    const tables = reading.movie.tracks.reduce((n, t) => n + t.samples.sizes.byteLength + t.samples.offsets.byteLength, 0);
    expect(readingBytes(reading)).toBeGreaterThan(reading.moov.byteLength + tables);
    // Audio renditions and the fMP4 form share the store's one cache.
    expect(await readingOf(store.moovReadings, store, 'av.mp4')).toBe(reading);
  });

  it('keeps readings up to its bytes: past them the least recently used is read again', async () => {
    const store = storeOf();
    const one = readingBytes(await readingOf(new MoovReadings(store), store, 'av.mp4'));
    const readings = new MoovReadings(store, Math.floor(2.5 * one)); // room for two
    const first = await readingOf(readings, store, 'copy1/av.mp4');
    const second = await readingOf(readings, store, 'copy2/av.mp4');
    expect(await readingOf(readings, store, 'copy1/av.mp4')).toBe(first); // two fit
    await readingOf(readings, store, 'copy3/av.mp4'); // the third puts out the least recent, copy2
    expect(await readingOf(readings, store, 'copy1/av.mp4')).toBe(first);
    const again = await readingOf(readings, store, 'copy2/av.mp4'); // read again
    expect(again).not.toBe(second);
    expect(again.moov).toEqual(second.moov);
  });
});
