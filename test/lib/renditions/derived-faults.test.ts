// Derived renditions when ffmpeg is missing or fails (a fake ffmpeg, fault injection only), and
// when a real encoded file of the derived name exists.
import { describe, expect, it } from 'vitest';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { filesUnder, tempDir } from '../../helpers/temp-dir.js';
import { DERIVED_CONFIG, TEST_LADDER, fetchOk, fetchText, saveAs, segmentPath, transcodeRuns } from './helpers/derived.js';
import { fakeFfmpeg } from './helpers/fake-ffmpeg.js';
import { probeVideo } from './helpers/media-probe.js';

// Segment files anywhere in the cache, and anything left in its temp directory.
function leftovers(t: TestOrigin): { segments: string[]; temp: string[] } {
  const layout = t.origin.store.layout;
  return { segments: filesUnder(layout.renditionDir('av_144p.mp4')).filter((f) => f.endsWith('.ts')), temp: filesUnder(layout.tmpDir()) };
}

describe('derived renditions without a working ffmpeg', () => {
  it('ffmpeg missing: the derived rendition is a 404 that says why, the source still plays', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { ...DERIVED_CONFIG, ffmpeg: { path: '/nonexistent/bin/ffmpeg' } });
    for (const pathname of ['/i/av_144p.mp4/index_0_av.m3u8', segmentPath('av_144p.mp4', 1)]) {
      const response = await t.get(pathname);
      expect(response.status, pathname).toBe(404);
      const body = await response.text();
      expect(body).toContain('derived renditions are unavailable');
      expect(body).toContain('/nonexistent/bin/ffmpeg');
    }
    expect((await t.get('/i/av.mp4/index_0_av.m3u8')).status).toBe(200);
    expect((await t.get(segmentPath('av.mp4', 1))).status).toBe(200);
  });

  it('ffmpeg failing: a 5xx with the reason, nothing half-written, the failure remembered', async () => {
    const fake = fakeFfmpeg({ kind: 'fail' });
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { ...DERIVED_CONFIG, ffmpeg: { path: fake.path } });
    await fetchText(t, '/i/av_144p.mp4/index_0_av.m3u8'); // from the moov: no transcode
    expect(fake.runs()).toBe(0);
    for (const attempt of [1, 2]) {
      const response = await t.get(segmentPath('av_144p.mp4', 1));
      expect(response.status, `attempt ${attempt}`).toBe(500);
      expect(await response.text(), `attempt ${attempt}`).toMatch(/ffmpeg exited with code 1: fake ffmpeg: injected encoder failure/);
      // Within serve.failureTtlMs (30 s by default) the failure is answered without a new run.
      expect(fake.runs(), `attempt ${attempt}`).toBe(1);
      expect(leftovers(t)).toEqual({ segments: [], temp: [] });
    }
    expect((await t.get(segmentPath('av.mp4', 1))).status).toBe(200);
  });

  it('a profile taller than the source is a 404 that says so: never an upscale', async () => {
    const t = await startOrigin(
      { 'av.mp4': 'av.mp4' },
      { ...DERIVED_CONFIG, renditions: { ladder: { ...TEST_LADDER, '240p': { height: 240, videoBitrate: '300k' } } } },
    );
    const response = await t.get('/i/av_240p.mp4/index_0_av.m3u8');
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/av\.mp4 is 320x180; the 240p profile \(240 lines\) would upscale it/);
    expect(await transcodeRuns(t)).toBe(0);
  });

  it('a real encoded <name>_<profile>.mp4 wins over deriving', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4', 'av_144p.mp4': 'av-no-bframes.mp4' }, DERIVED_CONFIG);
    const file = saveAs(tempDir(), 'segment.ts', await fetchOk(t, segmentPath('av_144p.mp4', 1)));
    expect(await probeVideo(file)).toMatchObject({ width: 320, height: 180 }); // the file's own picture
    expect(await transcodeRuns(t)).toBe(0);
    expect((await t.origin.store.info('av_144p.mp4'))?.derived).toBeUndefined();
    // The other profile, with no file of its name, is derived.
    const derived = saveAs(tempDir(), 'derived.ts', await fetchOk(t, segmentPath('av_90p.mp4', 1)));
    expect(await probeVideo(derived)).toMatchObject({ width: 160, height: 90 });
    expect(await transcodeRuns(t)).toBe(1);
  });
});
