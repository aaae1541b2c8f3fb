// What a viewer sees of a derived rendition: the picture close to the source's (PSNR against
// the source scaled to the same size), a phone video upright, a variable frame rate kept.
import { describe, expect, it } from 'vitest';
import { media } from '../../helpers/bento4.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { DERIVED_CONFIG, fetchOk, fetchText, saveAs, segmentPath } from './helpers/derived.js';
import { probePackets, probeVideo, psnr, tsAv } from './helpers/media-probe.js';

// Every segment of a rendition, joined in order, as one file.
async function joined(t: TestOrigin, rendition: string, dir: string): Promise<{ file: string; bytes: Buffer }> {
  const count = (await fetchText(t, `/i/${rendition}/index_0_av.m3u8`)).split('\n').filter((l) => l.startsWith('#EXTINF')).length;
  const parts = [];
  for (let n = 1; n <= count; n++) parts.push(await fetchOk(t, segmentPath(rendition, n)));
  const bytes = Buffer.concat(parts);
  return { file: saveAs(dir, rendition.replace(/\//g, '-') + '.ts', bytes), bytes };
}

describe('derived rendition quality', () => {
  it('keeps the picture: PSNR against the source scaled to the same size', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, DERIVED_CONFIG);
    const dir = tempDir();
    const source = await joined(t, 'av.mp4', dir);
    const derived144 = await joined(t, 'av_144p.mp4', dir);
    const derived90 = await joined(t, 'av_90p.mp4', dir);
    // Measured with the @ffmpeg-installer ffmpeg: 144p at 150 kbit/s 35.6 dB, 90p at 80 kbit/s
    // 34.7 dB; thresholds 32 and 30 dB (below 30 dB the loss is plain to see). Frames one second
    // off measure 17 dB.
    const at144 = await psnr(derived144.file, source.file, 'scale=256:144:flags=bicubic');
    const at90 = await psnr(derived90.file, source.file, 'scale=160:90:flags=bicubic');
    expect(at144).toBeGreaterThan(32);
    expect(at90).toBeGreaterThan(30);
    // The oracle tells pictures apart: the source one second late is far from the derived.
    const shifted = await psnr(derived144.file, source.file, 'trim=start=1,scale=256:144:flags=bicubic');
    expect(shifted).toBeLessThan(at144 - 10);
  });

  it('draws a phone video upright: portrait size, no rotation left, the picture turned the right way', async () => {
    const t = await startOrigin({ 'phone.mp4': 'phone-rotated.mp4' }, DERIVED_CONFIG);
    const dir = tempDir();
    // The fixture is coded 320x180 with the display matrix {0,1,-1,0}: shown turned 90° clockwise.
    const original = await probeVideo(media('phone-rotated.mp4'));
    expect(original).toMatchObject({ width: 320, height: 180, rotation: -90 });
    const derived = await joined(t, 'phone_144p.mp4', dir);
    const video = await probeVideo(derived.file);
    expect(video).toMatchObject({ width: 144, height: 256, rotation: null });
    // The reference is turned by the test (no autorotate: ffmpeg's reading of the matrix is what
    // casterpak relies on, so it is not the oracle). Measured: clockwise 35.7 dB, the other way 6.6 dB;
    // the second segment drawn unturned (squeezed into portrait) measured 9 dB.
    const noAutorotate = ['-noautorotate'];
    const upright = await psnr(derived.file, media('phone-rotated.mp4'), 'transpose=clock,scale=144:256:flags=bicubic', noAutorotate);
    const wrongWay = await psnr(derived.file, media('phone-rotated.mp4'), 'transpose=cclock,scale=144:256:flags=bicubic', noAutorotate);
    expect(upright).toBeGreaterThan(32);
    expect(wrongWay).toBeLessThan(20);
  });

  it('keeps a variable frame rate: each frame at the source frame time', async () => {
    const t = await startOrigin({ 'vfr.mp4': 'vfr.mp4' }, DERIVED_CONFIG);
    const dir = tempDir();
    const source = tsAv((await joined(t, 'vfr.mp4', dir)).bytes).video;
    const derived = tsAv((await joined(t, 'vfr_144p.mp4', dir)).bytes).video;
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    expect(sorted(derived.pes.map((e) => e.pts))).toEqual(sorted(source.pes.map((e) => e.pts)));
    // Against the MP4 itself (ffprobe): the same gaps between frames, which are irregular
    // (1, 2 and 3 thirtieths of a second), within the rounding to 90 kHz.
    const mp4 = sorted((await probePackets(media('vfr.mp4'))).filter((p) => p.kind === 'video').map((p) => p.ptsTime));
    const derivedTimes = sorted(derived.pes.map((e) => e.pts / 90_000));
    expect(derivedTimes).toHaveLength(mp4.length);
    const gaps = (times: number[]) => times.slice(1).map((x, i) => x - times[i]);
    const mp4Gaps = gaps(mp4);
    gaps(derivedTimes).forEach((gap, i) => expect(Math.abs(gap - mp4Gaps[i]), `gap ${i}`).toBeLessThan(2.5 / 90_000));
    expect(new Set(mp4Gaps.map((g) => Math.round(g * 30))).size).toBeGreaterThanOrEqual(3);
  });
});
