// Promise 10, the heal rows (docs/reliability.md): what a careless operator or a damaged cache
// leaves behind is noticed and made again, never served as it is.
import { existsSync, statSync } from 'node:fs';
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
});
