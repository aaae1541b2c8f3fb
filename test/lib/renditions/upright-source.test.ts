// A phone video's own rendition with renditions.upright (docs/renditions.md, "Phone video"):
// transcoded upright at its displayed size, its master saying that size, its segments and trick
// play upright, one orientation across a .csmil; with the key off, mp42hls's segments as they
// were, and the warning.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { media } from '../../helpers/bento4.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { DERIVED_CONFIG, fetchOk, fetchText, saveAs, segmentPath, transcodeRuns } from './helpers/derived.js';
import { FFMPEG, probePackets, probeVideo, psnr } from './helpers/media-probe.js';
import { expectSourceTimeline } from '../packaging/helpers/source-timeline.js';

const PHONE = { 'phone.mp4': 'phone-rotated.mp4' };

async function segments(t: TestOrigin, rendition: string): Promise<Uint8Array[]> {
  const count = (await fetchText(t, `/i/${rendition}/index_0_av.m3u8`)).split('\n').filter((l) => l.startsWith('#EXTINF')).length;
  const out = [];
  for (let n = 1; n <= count; n++) out.push(await fetchOk(t, segmentPath(rendition, n)));
  return out;
}

const resolutions = (master: string) =>
  parseMasterPlaylist(master)
    .variants.filter((v) => !v.isIFrameOnly)
    .map((v) => v.resolution);

describe('renditions.upright: a phone video served upright', () => {
  it('says the displayed size in the master, for the variant and its I-frame variant', async () => {
    const t = await startOrigin(PHONE, DERIVED_CONFIG);
    const master = parseMasterPlaylist(await fetchText(t, '/i/phone.mp4/master.m3u8'));
    // The fixture is coded 320x180 and shown turned a quarter: 180x320.
    expect(master.variants.map((v) => [v.isIFrameOnly, v.resolution])).toEqual([
      [false, { width: 180, height: 320 }],
      [true, { width: 180, height: 320 }],
    ]);
    // A master never transcodes: the I-frame rates were predicted.
    expect(await transcodeRuns(t)).toBe(0);
  });

  it('serves segments that decode upright: PSNR against the source turned by the test', async () => {
    const t = await startOrigin(PHONE, DERIVED_CONFIG);
    const file = saveAs(tempDir(), 'phone.ts', Buffer.concat(await segments(t, 'phone.mp4')));
    await t.settled(); // the last answered while it was committed
    expect(await transcodeRuns(t, 'committed')).toBe(2);
    expect(await probeVideo(file)).toMatchObject({ width: 180, height: 320, rotation: null });
    // ffmpeg's reading of the matrix is what casterpak relies on, so the reference is turned by
    // the test (no autorotate), and the other way round must fail.
    const noAutorotate = ['-noautorotate'];
    const upright = await psnr(file, media('phone-rotated.mp4'), 'transpose=clock', noAutorotate);
    const wrongWay = await psnr(file, media('phone-rotated.mp4'), 'transpose=cclock', noAutorotate);
    // Measured: 32.6 dB (encoded again at the source's own rate), the other way 6.5 dB; below
    // 30 dB the loss is plain to see.
    expect(upright).toBeGreaterThan(30);
    expect(wrongWay).toBeLessThan(20);
  });

  it('points its I-frame playlist into the upright segments, a key frame as often as the source has one', async () => {
    const t = await startOrigin(PHONE, DERIVED_CONFIG);
    const playlist = await fetchText(t, '/i/phone.mp4/kfonly/index_0_av.m3u8');
    // The fixture has a key frame every 2 s (4 in 8 s); x264's default would put one a segment.
    const keyFrames = (await probePackets(media('phone-rotated.mp4'))).filter((p) => p.kind === 'video' && p.key).length;
    expect(playlist.split('\n').filter((l) => l.startsWith('#EXTINF'))).toHaveLength(keyFrames);
    expect(keyFrames).toBeGreaterThan(2);
    const first = /#EXT-X-BYTERANGE:(\d+)@(\d+)\s+(\S+)/.exec(playlist)!;
    const [length, offset] = [Number(first[1]), Number(first[2])];
    const segment = await fetchOk(t, `/i/phone.mp4/${path.posix.normalize(first[3]).replace(/^(\.\.\/)+/, '')}`);
    const keyFrame = saveAs(tempDir(), 'key.ts', segment.subarray(offset, offset + length));
    expect(await probeVideo(keyFrame)).toMatchObject({ width: 180, height: 320 });
  });

  it('turns a source shown upside down (a 180° matrix) the right way up, at its stored size', async () => {
    const t = await startOrigin({}, DERIVED_CONFIG);
    // The matrix {-1,0,0,-1} written onto the unturned fixture by stream copy.
    const args = ['-v', 'error', '-i', media('av.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=180'];
    await promisify(execFile)(FFMPEG, [...args, path.join(t.sourceRoot, 'flipped.mp4')]);
    expect(resolutions(await fetchText(t, '/i/flipped.mp4/master.m3u8'))).toEqual([{ width: 320, height: 180 }]);
    const file = saveAs(tempDir(), 'flipped.ts', Buffer.concat(await segments(t, 'flipped.mp4')));
    expect(await probeVideo(file)).toMatchObject({ width: 320, height: 180, rotation: null });
    const turned = await psnr(file, media('av.mp4'), 'hflip,vflip');
    const asStored = await psnr(file, media('av.mp4'), 'null');
    // Measured: 35.5 dB turned, 6.5 dB as stored.
    expect(turned).toBeGreaterThan(30);
    expect(asStored).toBeLessThan(turned - 10);
  });

  it('gives the source and a derived rendition of one .csmil the same orientation', async () => {
    const t = await startOrigin({ 'show/clip_a.mp4': 'phone-rotated.mp4' }, DERIVED_CONFIG);
    const sizes = resolutions(await fetchText(t, '/i/show/clip_,a,a_144p,.mp4.csmil/master.m3u8'));
    expect(sizes).toEqual(
      expect.arrayContaining([
        { width: 180, height: 320 },
        { width: 144, height: 256 },
      ]),
    );
    expect(sizes).toHaveLength(2);
    expect(sizes.every((s) => s!.height > s!.width)).toBe(true);
  });

  it("with the key off: the source's packets as stored on its timeline, and the master sideways", async () => {
    const t = await startOrigin(PHONE, { ...DERIVED_CONFIG, renditions: { ...DERIVED_CONFIG.renditions!, upright: false } });
    expect(resolutions(await fetchText(t, '/i/phone.mp4/master.m3u8'))).toEqual([{ width: 320, height: 180 }]);
    const served = await segments(t, 'phone.mp4');
    // As stored: the source's packets on its presentation timeline (its edit list applied).
    await expectSourceTimeline(
      media('phone-rotated.mp4'),
      served.map((s) => Buffer.from(s)),
    );
    expect(await transcodeRuns(t)).toBe(0);
  });
});
