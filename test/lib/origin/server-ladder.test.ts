// Derived renditions in the masters this origin answers (docs/renditions.md): with
// renditions.inMaster a source's master lists the ladder below its picture, made from the moov
// alone (no transcode); I-frame variants are listed for real renditions only, and a derived
// rendition's own I-frame playlist is refused until every one of its segments is cached.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { startFakeUpstream, playlistAnswer } from '../../helpers/fake-upstream.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';

// The fixtures are 320x180: 144p, 120p and 90p are below them; 180p is not (the same size) and
// 240p would upscale. ultrafast keeps the few transcodes here short.
const LADDER = Object.fromEntries(
  [240, 180, 144, 120, 90].map((height) => [
    `${height}p`,
    { height, videoBitrate: `${height + 60}k`, profile: 'baseline', level: '3.0', preset: 'ultrafast' },
  ]),
);

const start = (sources: Record<string, string>, renditions: object = {}, serve: object = {}) =>
  startOrigin(sources, { renditions: { ladder: LADDER, ...renditions }, serve: { readAhead: 0, ...serve } });

async function masterOf(t: TestOrigin, pathname: string) {
  const response = await t.get(pathname);
  expect(response.status, await response.clone().text()).toBe(200);
  return parseMasterPlaylist(await response.text());
}

const streams = (master: ReturnType<typeof parseMasterPlaylist>) => master.variants.filter((v) => !v.isIFrameOnly);
const iframes = (master: ReturnType<typeof parseMasterPlaylist>) => master.variants.filter((v) => v.isIFrameOnly);
const segmentsIn = (t: TestOrigin, rendition: string) =>
  readdirSync(path.join(t.cacheDir, rendition)).filter((name) => name.endsWith('.ts'));
const transcodes = async (t: TestOrigin) => {
  await t.settled(); // a transcoded segment is answered while it is committed
  return (await t.origin.metrics.transcodedSegments.get()).values.reduce((sum, v) => sum + v.value, 0);
};

describe('serve: the ladder in a source master', () => {
  it('lists the source alone while renditions.inMaster is off (the default)', async () => {
    const t = await start({ 'lib/clip.mp4': 'av.mp4' });
    const master = await masterOf(t, '/i/lib/clip.mp4/master.m3u8');
    expect(streams(master).map((v) => v.uri)).toEqual(['index_0_av.m3u8']);
    expect(iframes(master).map((v) => v.uri)).toEqual(['kfonly/index_0_av.m3u8']);
    expect(readdirSync(path.join(t.cacheDir, 'lib'))).toEqual(['clip.mp4']);
  });

  it('with inMaster lists each profile below the source, from the moov alone, with no I-frame variant of its own', async () => {
    const t = await start({ 'lib/clip.mp4': 'av.mp4' }, { inMaster: true });
    const master = await masterOf(t, '/i/lib/clip.mp4/master.m3u8');
    // Sorted by BANDWIDTH as every master casterpak builds; 180p and 240p are not listed.
    expect(streams(master).map((v) => [v.uri, v.resolution])).toEqual(
      expect.arrayContaining([
        ['index_0_av.m3u8', { width: 320, height: 180 }],
        ['../clip_144p.mp4/index_0_av.m3u8', { width: 256, height: 144 }],
        ['../clip_120p.mp4/index_0_av.m3u8', { width: 214, height: 120 }],
        ['../clip_90p.mp4/index_0_av.m3u8', { width: 160, height: 90 }],
      ]),
    );
    expect(streams(master)).toHaveLength(4);
    const bandwidths = streams(master).map((v) => v.bandwidth);
    expect(bandwidths).toEqual([...bandwidths].sort((a, b) => a - b));
    const derived = streams(master).find((v) => v.uri.includes('_144p'))!;
    expect(derived.codecs).toBe('avc1.42C01E,mp4a.40.2');
    expect(iframes(master).map((v) => v.uri)).toEqual(['kfonly/index_0_av.m3u8']);
    // Nothing was transcoded: the derived renditions have playlists and no segment.
    expect(await transcodes(t)).toBe(0);
    for (const profile of ['144p', '120p', '90p']) expect(segmentsIn(t, `lib/clip_${profile}.mp4`)).toEqual([]);
    // A derived rendition's own master lists no ladder of its own.
    expect(streams(await masterOf(t, '/i/lib/clip_144p.mp4/master.m3u8')).map((v) => v.uri)).toEqual(['index_0_av.m3u8']);
  });

  it('leaves the ladder out, and keeps the source, when derived renditions are unavailable', async () => {
    const broken = await startOrigin(
      { 'lib/clip.mp4': 'av.mp4' },
      { renditions: { ladder: LADDER, inMaster: true }, ffmpeg: { path: '/nonexistent/casterpak-test/ffmpeg' } },
    );
    const master = await masterOf(broken, '/i/lib/clip.mp4/master.m3u8');
    expect(streams(master).map((v) => v.uri)).toEqual(['index_0_av.m3u8']);
    expect(iframes(master)).toHaveLength(1);
  });

  it('a .csmil of a real and a derived rendition: both listed, the I-frame variant for the real one only', async () => {
    const t = await start({ 'lib/film.mp4': 'av.mp4', 'lib/film_hi.mp4': 'av-no-bframes.mp4' });
    const master = await masterOf(t, '/i/lib/film_,hi,144p,.mp4.csmil/master.m3u8');
    expect(
      streams(master)
        .map((v) => v.uri)
        .sort(),
    ).toEqual(['../film_144p.mp4/index_0_av.m3u8', '../film_hi.mp4/index_0_av.m3u8']);
    expect(iframes(master).map((v) => v.uri)).toEqual(['../film_hi.mp4/kfonly/index_0_av.m3u8']);
    expect(await transcodes(t)).toBe(0);
  });
});

describe('serve: trick play of a derived rendition', () => {
  it('answers 404 naming the source until every segment is cached, then serves the I-frame playlist', async () => {
    const t = await start({ 'lib/clip.mp4': 'av-no-bframes.mp4' }); // 8 s: two 4 s segments
    const refused = await t.get('/i/lib/clip_90p.mp4/kfonly/index_0_av.m3u8');
    expect(refused.status).toBe(404);
    expect(await refused.text()).toMatch(
      /2 of its 2 segments are not cached: trick play is served from the source rendition lib\/clip\.mp4/,
    );
    expect(await transcodes(t)).toBe(0);
    expect((await t.get('/i/lib/clip_90p.mp4/segment1_0_av.ts')).status).toBe(200);
    await t.settled(); // answered while it was committed: cached once it is
    expect(await (await t.get('/i/lib/clip_90p.mp4/kfonly/index_0_av.m3u8')).text()).toMatch(/1 of its 2 segments are not cached/);
    expect((await t.get('/i/lib/clip_90p.mp4/segment2_0_av.ts')).status).toBe(200);
    await t.settled();
    const served = await t.get('/i/lib/clip_90p.mp4/kfonly/index_0_av.m3u8');
    expect(served.status).toBe(200);
    expect((await served.text()).match(/^\.\.\/segment\d_0_av\.ts$/gm)).toEqual(['../segment1_0_av.ts', '../segment2_0_av.ts']);
    expect(await transcodes(t)).toBe(2);
  });
});

describe('serve: the ladder in proxied masters (serve.masterLadder)', () => {
  it("adds the derived renditions below the master's casterpak rendition with this origin's own values", async () => {
    const upstream = await startFakeUpstream();
    onTestFinished(() => upstream.close());
    upstream.route(
      '/p/entry/a.m3u8',
      playlistAnswer(
        '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\nhttps://kaltura.example/i/lib/clip.mp4/index_0_av.m3u8?t=1\n',
      ),
    );
    const t = await start(
      { 'lib/clip.mp4': 'av.mp4' },
      { inMaster: true },
      { masterUpstream: upstream.origin, masterLadder: true, masterTrickPlay: true },
    );
    const proxied = await masterOf(t, '/p/entry/a.m3u8');
    const own = await masterOf(t, '/i/lib/clip.mp4/master.m3u8');
    const profiles = ['144p', '120p', '90p'];
    const derived = streams(proxied).slice(1);
    expect(derived.map((v) => v.uri)).toEqual(profiles.map((p) => `/i/lib/clip_${p}.mp4/index_0_av.m3u8?t=1`));
    derived.forEach((variant, i) => {
      const same = streams(own).find((v) => v.uri === `../clip_${profiles[i]}.mp4/index_0_av.m3u8`)!;
      expect([variant.bandwidth, variant.averageBandwidth, variant.codecs, variant.resolution]).toEqual([
        same.bandwidth,
        same.averageBandwidth,
        same.codecs,
        same.resolution,
      ]);
    });
    expect(iframes(proxied).map((v) => v.uri)).toEqual(['/i/lib/clip.mp4/kfonly/index_0_av.m3u8?t=1']);
    expect(await transcodes(t)).toBe(0);
  });

  it('leaves proxied masters as they are while serve.masterLadder is off', async () => {
    const upstream = await startFakeUpstream();
    onTestFinished(() => upstream.close());
    upstream.route(
      '/p/entry/a.m3u8',
      playlistAnswer('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\n/i/lib/clip.mp4/index_0_av.m3u8\n'),
    );
    const t = await start({ 'lib/clip.mp4': 'av.mp4' }, {}, { masterUpstream: upstream.origin });
    expect(streams(await masterOf(t, '/p/entry/a.m3u8')).map((v) => v.uri)).toEqual(['/i/lib/clip.mp4/index_0_av.m3u8']);
  });
});
