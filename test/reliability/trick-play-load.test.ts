// Promise 10, trick play of long films beside a cold playlist (docs/reliability.md): the I-frame
// playlist of a rendition made from the moov comes from the moov too (trick-play/moov-iframes.ts),
// so it makes no segment and holds no packaging slot while an unrelated cold playlist waits.
import { execFile } from 'node:child_process';
import { existsSync, linkSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { media, REAL_BIN_DIR } from '../helpers/bento4.js';
import { startOrigin, type TestOrigin } from '../helpers/origin.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const LOOPS = 50; // av.mp4 is 12 s: a film of 10 min 12 s, 19 MB (a 2-hour film behaves the same, only longer)
const FILMS = 4;

// FILMS links to one long film (av.mp4 looped by stream copy) in the origin's source root.
async function longFilms(t: TestOrigin): Promise<void> {
  const film = path.join(t.sourceRoot, 'film0.mp4');
  await run('ffmpeg', ['-v', 'error', '-stream_loop', String(LOOPS), '-i', media('av.mp4'), '-c', 'copy', film], { timeout: 60_000 });
  expect(statSync(film).size).toBeLessThan(64 * 1024 * 1024);
  for (let i = 1; i < FILMS; i++) linkSync(film, path.join(t.sourceRoot, `film${i}.mp4`));
}

describe('trick play of long films', () => {
  it(`a cold playlist beside ${FILMS} cold I-frame playlists of long films answers within 2 s`, async () => {
    const t = await startOrigin({ 'short.mp4': 'av-no-bframes.mp4' }, { serve: { maxJobs: 2, readAhead: 0 } });
    await longFilms(t);

    const started = Date.now();
    const trickPlay = Array.from({ length: FILMS }, (_, i) =>
      t
        .get(`/i/film${i}.mp4/kfonly/index_0_av.m3u8`)
        .then(async (r) => ({ status: r.status, text: await r.text(), ms: Date.now() - started })),
    );
    // Once every film's media playlist is made, their segments are at work.
    const playlists = Array.from({ length: FILMS }, (_, i) => path.join(t.cacheDir, `film${i}.mp4`, 'index_0_av.m3u8'));
    while (!playlists.every((file) => existsSync(file))) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const asked = Date.now();
    const playlist = await t.get('/i/short.mp4/index_0_av.m3u8');
    const waited = Date.now() - asked;
    expect(playlist.status).toBe(200);
    const made = await Promise.all(trickPlay);
    console.log(`cold playlist: ${waited} ms; I-frame playlists: ${made.map((m) => m.ms).join(', ')} ms`);
    for (const m of made) {
      expect(m.status, m.text).toBe(200);
      expect(m.text).toContain('#EXT-X-I-FRAMES-ONLY');
    }
    for (let i = 0; i < FILMS; i++) expect(readdirSync(path.join(t.cacheDir, `film${i}.mp4`)).filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(waited).toBeLessThanOrEqual(2000);
    expect(Math.max(...made.map((m) => m.ms))).toBeLessThan(15_000); // the scan of every segment took 33–48 s a film
  }, 240_000);

  it('whole-file runs take at most serve.maxWholeFileJobs slots; one that waits past serve.wholeFileWaitMs is 503 with Retry-After', async () => {
    // The same Bento4 by another path: not the pinned one, so every rendition is a whole-file run.
    const binDir = tempDir('casterpak-bento4-');
    for (const name of readdirSync(REAL_BIN_DIR)) symlinkSync(path.join(REAL_BIN_DIR, name), path.join(binDir, name));
    // A whole-file run that holds its slot for a second at least (a fault injected: slowness), so
    // the second run's wait outlasts wholeFileWaitMs however fast this machine packages the film.
    rmSync(path.join(binDir, 'mp42hls'));
    writeFileSync(path.join(binDir, 'mp42hls'), `#!/bin/sh\nsleep 1\nexec '${path.join(REAL_BIN_DIR, 'mp42hls')}' "$@"\n`, { mode: 0o755 });
    const serve = { maxJobs: 2, maxWholeFileJobs: 1, wholeFileWaitMs: 500, readAhead: 0 };
    const t = await startOrigin({}, { bento4: { binDir }, serve });
    await longFilms(t);
    const started = Date.now();
    const answers = await Promise.all(
      [0, 1].map((i) =>
        t.get(`/i/film${i}.mp4/index_0_av.m3u8`).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          text: await r.text(),
          ms: Date.now() - started,
        })),
      ),
    );
    console.log(`whole-file runs: ${answers.map((a) => `${a.status} in ${a.ms} ms`).join(', ')}`);
    const refused = answers.find((a) => a.status === 503);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 503]);
    expect(refused!.retryAfter).toBe('5');
    expect(refused!.text).toMatch(/whole-file packaging: no slot within 500 ms/);
    expect(refused!.ms).toBeLessThan(500 + 1500);
    expect((await t.get('/i/film1.mp4/index_0_av.m3u8')).status).toBe(200); // refused for overload, not remembered as a failure
  }, 240_000);
});
