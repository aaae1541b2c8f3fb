import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpIFrameInfoResolver, resolveTrickPlay } from '../../../src/lib/masters/iframe-info.js';
import { playlistAnswer, startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream.js';

// 3 key frames, 2 s apart, 10000 bytes each: every run of 1–3 s (0.5–1.5 × target 2) is one
// entry, so peak = average = 8 × 10000 / 2.
const KFONLY = [
  '#EXTM3U',
  '#EXT-X-VERSION:4',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-I-FRAMES-ONLY',
  '#EXTINF:2,',
  '#EXT-X-BYTERANGE:10000@376',
  '../segment1_0_av.ts',
  '#EXTINF:2,',
  '#EXT-X-BYTERANGE:10000@50000',
  '../segment1_0_av.ts',
  '#EXTINF:2,',
  '#EXT-X-BYTERANGE:10000@376',
  '../segment2_0_av.ts',
  '#EXT-X-ENDLIST',
  '',
].join('\n');
const RENDITION_MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS="avc1.64000d,mp4a.40.2",RESOLUTION=320x180\nindex_0_av.m3u8\n';

let casterpak: FakeUpstream;

beforeAll(async () => {
  casterpak = await startFakeUpstream();
  casterpak.route('/i/a.mp4/kfonly/index_0_av.m3u8', playlistAnswer(KFONLY));
  casterpak.route('/i/a.mp4/master.m3u8', playlistAnswer(RENDITION_MASTER));
  casterpak.route('/i/b.mp4/kfonly/index_0_av.m3u8', playlistAnswer(KFONLY));
  casterpak.route('/i/c.mp4/kfonly/index_0_av.m3u8', playlistAnswer(KFONLY.replace('#EXT-X-I-FRAMES-ONLY\n', '')));
});
afterAll(async () => casterpak.close());

describe('httpIFrameInfoResolver', () => {
  const resolve = () => httpIFrameInfoResolver({ baseUrl: `${casterpak.origin}/`, timeoutMs: 2000 });

  it('takes the bit rates from the kfonly playlist and CODECS/RESOLUTION from the rendition master', async () => {
    expect(await resolve()('/i/a.mp4/index_0_av.m3u8')).toEqual({
      bitrates: { peak: 40000, average: 40000 },
      codecs: 'avc1.64000d',
      resolution: { width: 320, height: 180 },
    });
  });

  it('does without the rendition master', async () => {
    expect(await resolve()('/i/b.mp4/index_0_av.m3u8')).toEqual({ bitrates: { peak: 40000, average: 40000 } });
  });

  it('refuses a playlist that is not I-frames only, and a missing one', async () => {
    await expect(resolve()('/i/c.mp4/index_0_av.m3u8')).rejects.toThrow(/not an I-frame playlist/);
    await expect(resolve()('/i/d.mp4/index_0_av.m3u8')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('resolveTrickPlay', () => {
  it('keeps what resolved and warns once about the rest', async () => {
    const warnings: string[] = [];
    const resolver = httpIFrameInfoResolver({ baseUrl: casterpak.origin, timeoutMs: 2000 });
    const found = await resolveTrickPlay(
      ['/i/a.mp4/index_0_av.m3u8', '/i/c.mp4/index_0_av.m3u8', '/i/d.mp4/index_0_av.m3u8'],
      resolver,
      (line) => warnings.push(line),
    );
    expect([...found.keys()]).toEqual(['/i/a.mp4/index_0_av.m3u8']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: no I-frame playlist for 2 of 3 renditions \(\/i\/c\.mp4\/index_0_av\.m3u8: .*; and 1 more\)/);
  });

  it('says nothing when everything resolved', async () => {
    const warnings: string[] = [];
    await resolveTrickPlay(['/i/b.mp4/index_0_av.m3u8'], httpIFrameInfoResolver({ baseUrl: casterpak.origin, timeoutMs: 2000 }), (l) =>
      warnings.push(l),
    );
    expect(warnings).toEqual([]);
  });
});
