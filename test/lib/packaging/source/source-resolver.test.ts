import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cacheLayout } from '../../../../src/lib/cache/names.js';
import { createSourceResolver } from '../../../../src/lib/packaging/source/source-resolver.js';
import { media } from '../../../helpers/bento4.js';
import { fileAnswer, rangeAnswer, startFakeUpstream } from '../../../helpers/fake-upstream.js';
import { tempDir } from '../../../helpers/temp-dir.js';

describe('source resolver: an upstream path that ignores Range', () => {
  it('is downloaded whole for a while, then probed again', async () => {
    const upstream = await startFakeUpstream();
    onTestFinished(() => upstream.close());
    const layout = cacheLayout(tempDir('casterpak-cache-'));
    const ignored: string[] = [];
    const resolver = createSourceResolver({
      sourceRoot: null,
      upstream: `${upstream.origin}/library`,
      layout,
      download: { timeoutMs: 2000, maxBytes: 100_000_000 },
      onRangeIgnored: (url) => ignored.push(url),
      rangeProbeAgainMs: 300,
    });
    const copy = layout.sourceFile('a.mp4');
    upstream.route('/library/a.mp4', fileAnswer(media('av.mp4')));
    await (await resolver.open('a.mp4')).close();
    expect(existsSync(copy)).toBe(true);
    expect(ignored).toEqual([`${upstream.origin}/library/a.mp4`]);

    // The server is fixed and the copy pruned: within the interval no probe, the source is downloaded again.
    upstream.route('/library/a.mp4', rangeAnswer(media('av.mp4')));
    rmSync(copy);
    const hits = upstream.hits.get('/library/a.mp4')!;
    await (await resolver.open('a.mp4')).close();
    expect(upstream.hits.get('/library/a.mp4')).toBe(hits + 1);
    expect(existsSync(copy)).toBe(true);

    // After it: probed again, and read by ranges.
    rmSync(copy);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const reader = await resolver.open('a.mp4');
    expect((await reader.read(0, 8)).length).toBe(8);
    await reader.close();
    expect(existsSync(copy)).toBe(false);
    expect(ignored).toHaveLength(1);
  });
});
