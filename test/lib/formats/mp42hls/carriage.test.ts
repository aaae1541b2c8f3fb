// carriageRefusal against the committed fixtures (test/fixtures/make-fixtures.sh) and against
// the real mp42hls: a file it refuses is one mp42hls cannot package, a file it passes one it can.
import { describe, expect, it } from 'vitest';
import { parseMoov, type Movie } from '../../../../src/lib/formats/mp4/moov.js';
import { carriageRefusal } from '../../../../src/lib/formats/mp42hls/carriage.js';
import { PLAYABLE, media, readMoov, wholeFile } from '../helpers/mp42hls-oracle.js';

const movieOf = async (name: string): Promise<Movie> => parseMoov(await readMoov(media(name)));

describe('carriageRefusal', () => {
  it.each(PLAYABLE)('%s: carried', async (name) => {
    expect(carriageRefusal(await movieOf(name))).toBeNull();
  });

  it('MP3 in mp4a (object type 0x6B): a codec refusal naming MP3, and mp42hls does fail on it', async () => {
    const refusal = carriageRefusal(await movieOf('mp3.mp4'));
    expect(refusal?.kind).toBe('codec');
    expect(refusal?.reason).toMatch(/audio track 2 \('mp4a'\) holds MPEG-1 audio \(MP3\)/);
    await expect(wholeFile('mp3.mp4', 2)).rejects.toThrow(/failed to write samples/);
  });

  it.each([
    ['vp9.mp4', /video track 1 \('vp09'\)/],
    ['opus.mp4', /audio track 1 \('Opus'\)/],
  ])('%s: a codec refusal naming the track', async (name, reason) => {
    const refusal = carriageRefusal(await movieOf(name));
    expect(refusal?.kind).toBe('codec');
    expect(refusal?.reason).toMatch(reason);
  });

  it('a carriable codec without its decoder configuration is broken, not unsupported', async () => {
    const movie = await movieOf('av.mp4');
    const tracks = movie.tracks.map((t) => (t.handler === 'vide' ? { ...t, avc: undefined } : t));
    expect(carriageRefusal({ ...movie, tracks })).toEqual({ kind: 'broken', reason: expect.stringMatching(/no avcC/) as string });
    const noEsds = movie.tracks.map((t) => (t.handler === 'soun' ? { ...t, esds: undefined } : t));
    expect(carriageRefusal({ ...movie, tracks: noEsds })?.kind).toBe('broken');
  });

  it('mp42hls takes the first video track: a picture track before the film is refused', async () => {
    const movie = await movieOf('av.mp4');
    const video = movie.tracks.find((t) => t.handler === 'vide')!;
    const cover = { ...video, id: 9, format: 'mp4v', avc: undefined };
    expect(carriageRefusal({ ...movie, tracks: [cover, ...movie.tracks] })?.reason).toMatch(/video track 9 \('mp4v'\)/);
    expect(carriageRefusal({ ...movie, tracks: [...movie.tracks, cover] })).toBeNull();
  });
});
