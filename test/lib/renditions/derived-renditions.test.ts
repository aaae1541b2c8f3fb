// Derived renditions through a real origin (docs/architecture.md: renditions/), checked with
// oracles that do not use casterpak's code: ffprobe and ffmpeg from npm, and a plain MPEG-TS
// reader. av.mp4 is 12 s of 320x180 H.264 (B-frames) + AAC: three 4 s segments.
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../helpers/origin.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { DERIVED_CONFIG, TEST_LADDER, extinfs, fetchOk, fetchText, saveAs, segmentPath, shuffled } from './helpers/derived.js';
import { decodeComplaints, firstPictureIsIdr, probePackets, probeVideo, tsAv } from './helpers/media-probe.js';

const SEGMENTS = [1, 2, 3];
// The target sizes of the test ladder for a 320x180 source: shorter side = the profile's height.
const PROFILES = [
  { name: '144p', width: 256, height: 144, profile: TEST_LADDER['144p'].profile, bps: 150_000 },
  { name: '90p', width: 160, height: 90, profile: TEST_LADDER['90p'].profile, bps: 80_000 },
];

describe('derived renditions of av.mp4', () => {
  it('each derived segment has the profile size, an IDR first, the profile rate, and the source audio bytes and video times', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, DERIVED_CONFIG);
    const dir = tempDir();
    const sourcePlaylist = await fetchText(t, '/i/av.mp4/index_0_av.m3u8');
    expect(extinfs(sourcePlaylist)).toHaveLength(SEGMENTS.length);
    const sources = await Promise.all(SEGMENTS.map((n) => fetchOk(t, segmentPath('av.mp4', n))));
    for (const p of PROFILES) {
      const rendition = `av_${p.name}.mp4`;
      expect(extinfs(await fetchText(t, `/i/${rendition}/index_0_av.m3u8`)), rendition).toEqual(extinfs(sourcePlaylist));
      const info = await t.origin.store.info(rendition);
      const rates: number[] = [];
      for (const n of SEGMENTS) {
        const what = `${rendition} segment ${n}`;
        const bytes = await fetchOk(t, segmentPath(rendition, n));
        const file = saveAs(dir, `${p.name}-${n}.ts`, bytes);
        rates.push((bytes.length * 8) / Number(/[\d.]+/.exec(extinfs(sourcePlaylist)[n - 1])![0]));
        const video = await probeVideo(file);
        expect({ width: video.width, height: video.height }, what).toEqual({ width: p.width, height: p.height });
        expect(video.profile, what).toBe(p.profile === 'main' ? 'Main' : 'Constrained Baseline');
        expect(await firstPictureIsIdr(file), what).toBe(true);

        const packets = (await probePackets(file)).filter((k) => k.kind === 'video');
        expect(packets[0].key, what).toBe(true);
        // VBV (maxRate 1.2 × average, bufSize 2 × maxRate) bounds the bits of any 4 s window by
        // maxRate × 4 s + bufSize; ABR lands near the average over a segment (measured 0.94–0.98 ×),
        // so below half of it the encoder did not follow the profile.
        const seconds = packets.length / 25;
        const videoBps = (packets.reduce((sum, k) => sum + k.size, 0) * 8) / seconds;
        expect(videoBps, what).toBeLessThanOrEqual(p.bps * 1.2 + (p.bps * 2.4) / seconds);
        expect(videoBps, what).toBeGreaterThan(p.bps * 0.5);

        const derived = tsAv(bytes);
        const source = tsAv(sources[n - 1]);
        // The audio is the source's, byte for byte (only the video is transcoded).
        expect(derived.audio.pes.length, what).toBe(source.audio.pes.length);
        expect(
          Buffer.concat(derived.audio.pes.map((e) => e.payload)).equals(Buffer.concat(source.audio.pes.map((e) => e.payload))),
          what,
        ).toBe(true);
        expect(
          derived.audio.pes.map((e) => e.pts),
          what,
        ).toEqual(source.audio.pes.map((e) => e.pts));
        // Same frames at the same times: the decode times frame by frame, the presentation
        // times as a set (the source reorders with B-frames, the derived encode does not).
        expect(
          derived.video.pes.map((e) => e.dts),
          what,
        ).toEqual(source.video.pes.map((e) => e.dts));
        const sortedPts = (s: typeof derived.video) => s.pes.map((e) => e.pts).sort((a, b) => a - b);
        expect(sortedPts(derived.video), what).toEqual(sortedPts(source.video));
        expect(
          derived.video.pes.map((e) => e.pts),
          `${what}: presentation order is decode order`,
        ).toEqual(sortedPts(derived.video));
      }
      // What the master will say (RFC 8216 §4.3.4.2): BANDWIDTH bounds every segment's bit rate,
      // AVERAGE-BANDWIDTH is their average (Apple's authoring rules: within 10 %).
      expect(Math.max(...rates), rendition).toBeLessThanOrEqual(info!.peakBitrate);
      const average = rates.reduce((a, b) => a + b, 0) / rates.length;
      expect(
        Math.abs(average / info!.averageBitrate - 1),
        `${rendition}: ${Math.round(average)} against ${info!.averageBitrate}`,
      ).toBeLessThan(0.1);
    }
  });

  it('segments made in shuffled order play back to back: no counter errors, no timestamp gaps', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, DERIVED_CONFIG);
    await fetchText(t, '/i/av_144p.mp4/index_0_av.m3u8');
    const order = shuffled(SEGMENTS);
    expect(order).not.toEqual(SEGMENTS);
    const made = new Map<number, Uint8Array>();
    for (const n of order) made.set(n, await fetchOk(t, segmentPath('av_144p.mp4', n)));
    const joined = Buffer.concat(SEGMENTS.map((n) => made.get(n)!));
    const file = saveAs(tempDir(), 'joined.ts', joined);

    expect(await decodeComplaints(file)).toEqual([]);
    const { video, audio } = tsAv(joined);
    expect([video.counterErrors, audio.counterErrors]).toEqual([0, 0]);
    // 25 fps: every decode time is one frame (3600 ticks of 90 kHz) after the one before, across
    // segment boundaries too, and all 300 frames of the 12 s source are there.
    const steps = video.pes.slice(1).map((e, i) => e.dts - video.pes[i].dts);
    expect(new Set(steps)).toEqual(new Set([3600]));
    expect(video.pes).toHaveLength(300);
    const audioSteps = audio.pes.slice(1).map((e, i) => e.pts - audio.pes[i].pts);
    expect(Math.min(...audioSteps)).toBeGreaterThan(0);
    expect(Math.max(...audioSteps)).toBeLessThan(90_000 / 2); // no hole of half a second
  });
});
