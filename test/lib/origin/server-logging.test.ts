// What the origin logs per request: the access log line (serve.accessLog), refusals, packaging
// runs, and no warning for an ordinary 404.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { validateConfig } from '../../../src/lib/config/schema.js';
import { createOrigin } from '../../../src/lib/origin/server.js';
import { locateBento4 } from '../../../src/lib/packaging/bento4.js';
import { createLogger } from '../../../src/lib/shared/logger.js';
import { media } from '../../helpers/bento4.js';
import { settled } from '../../helpers/settled.js';
import { tempDir } from '../../helpers/temp-dir.js';

// `pinned: false`: a Bento4 other than the pinned build, whose segments come from whole-file
// runs, where a missing source is only found inside the packaging job.
async function loggedOrigin(accessLog: boolean, pinned = true) {
  const root = tempDir('casterpak-logging-');
  const sourceRoot = path.join(root, 'library');
  mkdirSync(sourceRoot);
  copyFileSync(media('av.mp4'), path.join(sourceRoot, 'av.mp4'));
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = validateConfig([{ cacheDir: path.join(root, 'cache'), sourceRoot, serve: { port: 0, accessLog } }], 2);
  const bento4 = { ...locateBento4(null, 60_000), ...(pinned ? {} : { pinned: false }) };
  const origin = await createOrigin(config, { logger: createLogger('debug', sink), bento4 });
  const address = await origin.listen();
  onTestFinished(() => origin.close(1000));
  const url = `http://127.0.0.1:${address.port}`;
  return { lines, sourceRoot, cacheDir: config.cacheDir, get: (p: string) => fetch(url + p), settled: () => settled(url) };
}

describe('origin logs', () => {
  it.each([true, false])(
    'a missing source is an ordinary 404 at info level, not a packaging warning (pinned Bento4: %s)',
    async (pinned) => {
      const t = await loggedOrigin(true, pinned);
      for (const p of ['/i/missing.mp4/index_0_av.m3u8', '/i/missing.mp4/segment1_0_av.ts', '/i/missing.mp4/master.m3u8'])
        expect((await t.get(p)).status).toBe(404);
      expect(t.lines.filter((l) => (l.level === 'warn' || l.level === 'error') && JSON.stringify(l).includes('missing.mp4'))).toEqual([]);
      expect(t.lines.filter((l) => l.msg === 'request' && l.status === 404)).toHaveLength(3);
      expect(t.lines.filter((l) => l.msg === 'refused')).toEqual(Array(3).fill(expect.objectContaining({ level: 'info', status: 404 })));
    },
  );

  it('a source removed after its rendition was made: the pruned segment is an ordinary 404 too', async () => {
    const t = await loggedOrigin(true, false); // whole-file renditions: the source is looked for inside the packaging run
    expect((await t.get('/i/av.mp4/index_0_av.m3u8')).status).toBe(200);
    rmSync(path.join(t.cacheDir, 'av.mp4/segment1_0_av.ts'));
    rmSync(path.join(t.sourceRoot, 'av.mp4'));
    expect((await t.get('/i/av.mp4/segment1_0_av.ts')).status).toBe(404);
    expect(t.lines.filter((l) => l.msg === 'packaging failed')).toEqual([]);
    expect(t.lines.filter((l) => l.msg === 'refused')).toEqual([expect.objectContaining({ level: 'info', status: 404, route: 'segment' })]);
  });

  it('one request line per request with the access log on, none with it off; refusals and packaging runs either way', async () => {
    const on = await loggedOrigin(true);
    await (await on.get('/i/av.mp4/index_0_av.m3u8')).text();
    await (await on.get('/healthz')).text();
    expect(on.lines.filter((l) => l.msg === 'request').map((l) => l.path)).toEqual(['/i/av.mp4/index_0_av.m3u8', '/healthz']);
    const off = await loggedOrigin(false);
    await (await off.get('/i/av.mp4/index_0_av.m3u8')).text();
    expect((await off.get('/i/nope.mp4/index_0_av.m3u8')).status).toBe(404);
    expect(off.lines.filter((l) => l.msg === 'request')).toEqual([]);
    await off.settled(); // the playlist was answered before its rendition was committed, which logs `packaged`
    expect(off.lines.filter((l) => l.msg === 'packaged')).not.toEqual([]);
    expect(off.lines.filter((l) => l.msg === 'refused')).toEqual([expect.objectContaining({ status: 404, route: 'index' })]);
  });
});
