// Promise 10, the heal rows (docs/reliability.md): what a careless operator or a damaged cache
// leaves behind is noticed and made again, never served as it is.
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { media } from '../helpers/bento4.js';
import { fileAnswer, rangeAnswer, startFakeUpstream } from '../helpers/fake-upstream.js';
import { startOrigin } from '../helpers/origin.js';

describe('a cache that heals', () => {
  it('one path of an upstream host ignoring Range: only that source is downloaded whole', async () => {
    const upstream = await startFakeUpstream();
    onTestFinished(() => upstream.close());
    const t = await startOrigin({}, { sourceRoot: null, upstream: `${upstream.origin}/library`, serve: { readAhead: 0 } });
    upstream.route('/library/plain/a.mp4', fileAnswer(media('av.mp4')));
    const sent = { bytes: 0 };
    upstream.route('/library/ranged/b.mp4', rangeAnswer(media('av.mp4'), sent));
    expect((await t.get('/i/plain/a.mp4/index_0_av.m3u8')).status).toBe(200);
    expect(existsSync(path.join(t.cacheDir, '.sources/plain/a.mp4'))).toBe(true);
    for (const file of ['index_0_av.m3u8', 'segment3_0_av.ts']) expect((await t.get(`/i/ranged/b.mp4/${file}`)).status, file).toBe(200);
    expect(existsSync(path.join(t.cacheDir, '.sources/ranged/b.mp4'))).toBe(false);
    expect(sent.bytes).toBeLessThan(0.6 * statSync(media('av.mp4')).size);
  });

  it.each([
    ['cut short', (text: string) => text.slice(0, 40)],
    ['not JSON', () => '\u0000\u0000garbage'],
    ['JSON of another shape', () => '{"segments":"many"}'],
    ['empty', () => ''],
  ])('a .rendition.json %s: made again from the moov, the cached segments kept', async (_what, damage) => {
    const a = await startOrigin({ 'a/av.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const dir = path.join(a.cacheDir, 'a/av.mp4');
    expect((await a.get('/i/a/av.mp4/index_0_av.m3u8')).status).toBe(200);
    const first = Buffer.from(await (await a.get('/i/a/av.mp4/segment1_0_av.ts')).arrayBuffer());
    await a.settled(); // answered while it was committed
    const infoFile = path.join(dir, '.rendition.json');
    const good = readFileSync(infoFile, 'utf8');
    const kept = statSync(path.join(dir, 'segment1_0_av.ts')).ino;
    writeFileSync(infoFile, damage(good));
    // Another process on the same cache (or this one after a restart) remembers nothing of it.
    const b = await startOrigin({}, { cacheDir: a.cacheDir, sourceRoot: a.sourceRoot, serve: { readAhead: 0 } });
    const again = await b.get('/i/a/av.mp4/segment1_0_av.ts');
    expect(again.status, await again.clone().text()).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(first)).toBe(true);
    const segment2 = await b.get('/i/a/av.mp4/segment2_0_av.ts');
    expect(segment2.status).toBe(200);
    expect((await b.get('/i/a/av.mp4/master.m3u8')).status).toBe(200);
    expect(JSON.parse(readFileSync(infoFile, 'utf8'))).toEqual(JSON.parse(good));
    expect(statSync(path.join(dir, 'segment1_0_av.ts')).ino).toBe(kept);
  });

  it.each([
    ['cut to 1,000 bytes', (file: string) => truncateSync(file, 1000)],
    ['emptied', (file: string) => truncateSync(file, 0)],
    ['cut at a packet boundary', (file: string) => truncateSync(file, 188 * 3)],
    ['16 packets longer than predicted', (file: string) => writeFileSync(file, Buffer.alloc(188 * 16, 0x47), { flag: 'a' })],
  ])('a cached segment %s: made again, never served as it is', async (_what, damage) => {
    const t = await startOrigin({ 'a/av.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const file = path.join(t.cacheDir, 'a/av.mp4/segment2_0_av.ts');
    const whole = Buffer.from(await (await t.get('/i/a/av.mp4/segment2_0_av.ts')).arrayBuffer());
    await t.settled(); // made first and answered before its rendition was committed
    expect(whole.length).toBe(statSync(file).size);
    damage(file);
    for (let i = 0; i < 2; i++) {
      const again = await t.get('/i/a/av.mp4/segment2_0_av.ts');
      expect(again.status).toBe(200);
      expect(again.headers.get('x-casterpak-cache')).toBe(i === 0 ? 'MISS' : 'HIT');
      expect(Buffer.from(await again.arrayBuffer()).equals(whole)).toBe(true);
    }
    expect(readFileSync(file).equals(whole)).toBe(true);
  });
});
