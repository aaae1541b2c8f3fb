// Shaka Player (from node_modules, main-thread transmuxing) in the distribution's Chromium
// against `casterpak serve`: a csmil master of two renditions plays with audio decoded, seeks
// near its end, and switches rendition when told to. Its trick play over casterpak's I-frame
// playlist is recorded as it is today: it fails with 3018 because of Shaka (see
// docs/trick-play.md, "Shaka Player").
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropAudio } from './helpers/media.js';
import { CSMIL_MASTER, RENDITION_DIRS, startPlaying, waitForPlayer } from './helpers/other-players-page.js';
import { commonPlayerTests, playerSuite, why } from './helpers/player-suite.js';

const suite = playerSuite('shaka', async (library) => {
  // The 640x360 rendition without audio: the control for the trick-play finding.
  await dropAudio(path.join(library, RENDITION_DIRS[1]), path.join(library, 'shows/film_silent.mp4'));
});
const open = suite.open;

describe('Shaka Player in Chromium plays casterpak output', () => {
  commonPlayerTests(suite, (versions) => expect(versions['shaka-player']).toMatch(/^v5\./));
});

// CURRENT BEHAVIOUR, caused by Shaka Player, not by casterpak (docs/trick-play.md, "Shaka
// Player"). The kfonly playlist is valid by RFC 8216 §4.3.3.6: each byte range is one key
// frame's video packets, PAT/PMT excluded, and each segment begins with its PAT/PMT. Shaka
// 5.2 splits a muxed TS variant into a video and an audio SourceBuffer and then feeds every
// segment of the video-only I-frame stream to its audio transmuxer as well, which finds no
// AAC and throws TRANSMUXING_FAILED (3018); the MediaSource reload that follows gives the
// video a fresh transmuxer, which has never seen a PMT (Shaka drops EXT-X-MAP for MPEG-TS and
// does not take the PAT/PMT from the start of the resource) and fails with 3018 as well.
// When Shaka fixes this, the first test fails: turn it into a test that trick play works.
describe('Shaka Player trick play over casterpak I-frame playlists (current behaviour)', () => {
  it('trickPlay(8) on the muxed audio+video csmil master ends in Shaka error 3018 on an I-frame byte range', async () => {
    const { page, problems } = await open();
    const playing = await startPlaying(page, `${suite.serve().url}${CSMIL_MASTER}`, 1);
    expect(playing.fatal, why(playing, problems)).toBeNull();
    await page.evaluate(() => window.testPlayer.trickPlay(8));
    const after = await waitForPlayer(page, (s, d) => s.currentTime > d - 1, playing.duration, 30_000);
    // `fatal` is "<code> category <c> severity 2 <data>"; the data names the segment whose I-frame
    // byte range failed to transmux.
    expect(after.fatal, `trick play did not fail: ${why(after, problems)}`).toMatch(
      /^3018 category 3 severity 2 .*\/shows\/film_[ab]\.mp4\/segment\d+_0_av\.ts/,
    );
    await page.close();
  });

  it('the same kind of I-frame playlist fast-forwards to the end when the variant has no audio (the control)', async () => {
    const { page, problems } = await open();
    const playing = await startPlaying(page, `${suite.serve().url}/i/shows/film_silent.mp4/master.m3u8`, 1);
    expect(playing.fatal, why(playing, problems)).toBeNull();
    await page.evaluate(() => window.testPlayer.trickPlay(8));
    const after = await waitForPlayer(page, (s, d) => s.currentTime > d - 1, playing.duration, 30_000);
    expect(after.fatal, why(after, problems)).toBeNull();
    expect(after.playbackRate).toBe(8);
    expect(after.currentTime).toBeGreaterThan(playing.duration - 1);
    await page.close();
  });

  it("Shaka's TS transmuxer: an I-frame byte range transmuxes as video once a PMT is known, never as audio", async () => {
    const { page } = await open();
    const base = `${suite.serve().url}/i/${RENDITION_DIRS[1]}/`;
    // Runs Shaka's exported TsTransmuxer on casterpak's bytes, as MediaSourceEngine does.
    const outcome = await page.evaluate(async (rendition) => {
      const playlist = await (await fetch(`${rendition}kfonly/index_0_av.m3u8`)).text();
      // The second key frame: mid-segment, far from the segment's PAT/PMT.
      const match = [...playlist.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)/g)][1];
      if (!match) return { error: `no second byte range in ${playlist.slice(0, 300)}` };
      const [length, offset] = [Number(match[1]), Number(match[2])];
      const uri = new URL(match[3], `${rendition}kfonly/`).href;
      const get = async (from: number, to: number) =>
        new Uint8Array(await (await fetch(uri, { headers: { Range: `bytes=${from}-${to}` } })).arrayBuffer());
      const range = await get(offset, offset + length - 1);
      const whole = new Uint8Array(await (await fetch(uri)).arrayBuffer());
      const mime = 'video/mp2t; codecs="avc1.64001E"';
      // The I-frame stream as Shaka's HLS parser makes it from EXT-X-I-FRAME-STREAM-INF.
      const stream = {
        id: 1,
        codecs: 'avc1.64001E',
        mimeType: 'video/mp2t',
        type: 'video',
        language: 'und',
        encrypted: false,
        drmInfos: [],
        isIframe: true,
      };
      // Shaka's exported API, as far as this test uses it.
      interface Transmuxer {
        transmux(data: Uint8Array, stream: object, reference: object, duration: number, contentType: string): Promise<unknown>;
      }
      const { shaka } = window as unknown as {
        shaka: {
          media: { SegmentReference: new (...args: unknown[]) => object };
          transmuxer: { TsTransmuxer: new (mimeType: string) => Transmuxer };
        };
      };
      const run = async (transmuxer: Transmuxer, data: Uint8Array, contentType: string, from: number, to: number | null) => {
        const reference = new shaka.media.SegmentReference(0, 2, () => [uri], from, to, null, 0, 0, Infinity);
        try {
          await transmuxer.transmux(data, stream, reference, 30, contentType);
          return 'ok';
        } catch (error) {
          return String((error as { code?: number }).code ?? (error as Error).message);
        }
      };
      const { TsTransmuxer } = shaka.transmuxer;
      const fresh = await run(new TsTransmuxer(mime), range, 'video', offset, offset + length - 1);
      const warm = new TsTransmuxer(mime);
      const wholeSegment = await run(warm, whole, 'video', 0, null);
      const afterPmt = await run(warm, range, 'video', offset, offset + length - 1);
      const warmAudio = new TsTransmuxer(mime);
      await run(warmAudio, whole, 'audio', 0, null);
      const asAudio = await run(warmAudio, range, 'audio', offset, offset + length - 1);
      return { range: `${length}@${offset}`, fresh, wholeSegment, afterPmt, asAudio };
    }, base);
    expect(outcome).not.toHaveProperty('error');
    // No PAT/PMT in the range (RFC 8216 forbids it there), and a transmuxer that has not seen one
    // cannot find the video PID.
    expect(outcome.fresh).toBe('3018');
    // The same bytes after the segment's PAT/PMT were seen: a valid key frame.
    expect(outcome.wholeSegment).toBe('ok');
    expect(outcome.afterPmt).toBe('ok');
    // Shaka's audio transmuxer, given the video-only key frame (as it is for a muxed variant):
    // no AAC frames, and the I-frame stream has no audio codec to make silence from.
    expect(outcome.asAudio).toBe('3018');
    await page.close();
  });
});
