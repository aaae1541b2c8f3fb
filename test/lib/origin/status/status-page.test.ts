import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../../helpers/origin.js';

const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

describe('serve: the status page and its player script', () => {
  it('lists a rendition once it was requested, with the hit ratio and packaging runs', async () => {
    const t = await startOrigin({ 'shows/av.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const before = await (await t.get('/')).text();
    expect(before).toContain('id="empty"');
    for (const file of ['index_0_av.m3u8', 'segment1_0_av.ts']) {
      const response = await t.get(`/i/shows/av.mp4/${file}`);
      expect(response.status).toBe(200);
      await response.arrayBuffer(); // the lookup is counted once the response is sent
    }
    // Counters move once a response has been handed over, which can be just after the client has it.
    await expect.poll(async () => (await (await t.get('/')).text()).includes('2 lookups')).toBe(true);
    const page = await t.get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toMatch(
      /<tr data-path="shows\/av\.mp4"><td class="path">shows\/av\.mp4<\/td><td class="num">[\d.]+ KiB<\/td><td class="num segments">1 \/ 3<\/td><td class="num">0:12<\/td>/,
    );
    const ratio = /id="hit-ratio">([^<]*)<\/b><small>([^<]*)</.exec(html);
    // The playlist comes from the moov, the segment is made alone: two runs, two misses.
    expect(ratio?.slice(1)).toEqual(['0.0 %', '2 lookups: MISS 2']);
    expect(html).toContain('id="packaging-runs">2<');
  });

  it('counts a master or .csmil request that packaged renditions as a miss: every packaging run has a counted trigger', async () => {
    const t = await startOrigin({ 'shows/a.mp4': 'av.mp4', 'shows/b.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const cacheOf = async (pathname: string) => {
      const response = await t.get(pathname);
      expect(response.status, pathname).toBe(200);
      await response.text();
      return response.headers.get('x-casterpak-cache');
    };
    expect(await cacheOf('/i/shows/a.mp4/master.m3u8')).toBe('MISS'); // a's playlist made
    expect(await cacheOf('/i/shows/,a,b,.mp4.csmil/master.m3u8')).toBe('MISS'); // b's playlist made
    expect(await cacheOf('/i/shows/,a,b,.mp4.csmil/master.m3u8')).toBe('HIT');
    expect(await cacheOf('/i/shows/b.mp4/index_0_av.m3u8')).toBe('HIT');
    await expect.poll(async () => (await (await t.get('/')).text()).includes('4 lookups')).toBe(true);
    const html = await (await t.get('/')).text();
    expect(/id="hit-ratio">([^<]*)<\/b><small>([^<]*)</.exec(html)?.slice(1)).toEqual(['50.0 %', '4 lookups: MISS 2, HIT 2']);
    expect(html).toContain('id="packaging-runs">2<');
    expect(html).toContain('id="runs">playlist 2<');
  });

  it('shows a derived rendition with its profile and source, and its transcodes among the runs', async () => {
    const ladder = { '90p': { height: 90, videoBitrate: '100k', profile: 'baseline', level: '3.0', preset: 'ultrafast' } };
    const t = await startOrigin({ 'shows/av.mp4': 'av-no-bframes.mp4' }, { renditions: { ladder }, serve: { readAhead: 0 } });
    expect((await t.get('/i/shows/av_90p.mp4/segment1_0_av.ts')).status).toBe(200);
    await expect.poll(async () => (await (await t.get('/')).text()).includes('transcode 1')).toBe(true);
    const html = await (await t.get('/')).text();
    expect(html).toMatch(
      /<tr data-path="shows\/av_90p\.mp4" data-profile="90p" data-source="shows\/av\.mp4"><td class="path">shows\/av_90p\.mp4<br><small class="derived">90p of <a href="\/\?play=shows%2Fav\.mp4#player">shows\/av\.mp4<\/a><\/small><\/td>/,
    );
    expect(html).toContain('id="runs">playlist 1, transcode 1<');
  });

  it('serves hls.js at its fixed path, with HEAD, validators and 304', async () => {
    const t = await startOrigin({});
    const response = await t.get('/_casterpak/hls.min.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(readFileSync(HLS_JS))).toBe(true);
    const head = await t.get('/_casterpak/hls.min.js', {}, 'HEAD');
    expect(Number(head.headers.get('content-length'))).toBe(body.length);
    const again = await t.get('/_casterpak/hls.min.js', { 'If-None-Match': response.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it('serves nothing else under /_casterpak/', async () => {
    const t = await startOrigin({});
    for (const pathname of [
      '/_casterpak/hls.js',
      '/_casterpak/',
      '/_casterpak/hls.min.js/',
      '/_casterpak/%2e%2e/package.json',
      '/_casterpak/../package.json',
    ]) {
      expect((await t.get(pathname)).status, pathname).toBeGreaterThanOrEqual(400);
    }
  });
});
