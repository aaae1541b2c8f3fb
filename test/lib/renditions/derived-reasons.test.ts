// A derived rendition that cannot be made says why (docs/renditions.md): no such profile, or an
// upscale, not "no source".
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../helpers/origin.js';
import { DERIVED_CONFIG } from './helpers/derived.js';

describe('derived renditions that cannot be made', () => {
  it('a profile the ladder does not have: 404 naming the profile and the ladder', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, DERIVED_CONFIG);
    const response = await t.get('/i/av_999p.mp4/index_0_av.m3u8');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain(
      'av_999p.mp4: no profile 999p in the ladder (renditions.ladder has 144p, 90p) to derive from av.mp4',
    );
    // Without a source beside it, the plain missing source.
    expect(await (await t.get('/i/other_999p.mp4/index_0_av.m3u8')).text()).not.toContain('no profile');
  });

  it('a .csmil whose profiles all upscale: 404 with the upscale as the reason', async () => {
    const ladder = { '720p': { height: 720, videoBitrate: '3000k', profile: 'high', level: '3.1' } };
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { renditions: { ladder }, serve: { readAhead: 0 } });
    const response = await t.get('/i/av_,720p,.mp4.csmil/master.m3u8');
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(
      /none of the renditions can be served: av_720p\.mp4: av\.mp4 is 320x180; the 720p profile \(720 lines\) would upscale it/,
    );
  });
});
