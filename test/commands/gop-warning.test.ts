// `package` and serve warn about a source whose key frames are too far apart for the segment
// duration (packaging/store/gop-warning.ts, from the packaging run's moov reading): an 8-s GOP under
// 10-s segments makes 16-s segments.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gopWarning } from '../../src/lib/packaging/store/gop-warning.js';
import { media } from '../helpers/bento4.js';
import { runCli } from '../helpers/cli.js';
import { startOrigin } from '../helpers/origin.js';
import type { Logger } from '../../src/lib/shared/logger.js';
import { tempDir } from '../helpers/temp-dir.js';

const FFMPEG: string = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;

describe('gopWarning', () => {
  it('warns when segments would run past one and a half times the target, not before', () => {
    expect(gopWarning('a.mp4', 8, 10)).toMatch(/^a\.mp4: key frames every 8\.0 s \(its GOP\), so its segments run to about 16\.0 s/);
    expect(gopWarning('a.mp4', 2, 10)).toBeNull();
    expect(gopWarning('a.mp4', 6, 10)).toBeNull(); // 12 s
    expect(gopWarning('a.mp4', 20, 10)).toMatch(/about 20\.0 s/);
  });
});

// 20 s of 160x90 with a key frame every 8 s.
function longGopFilm(file: string): void {
  execFileSync(FFMPEG, [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=25:duration=20'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '200', '-keyint_min', '200', '-sc_threshold', '0', file],
  ]);
}

describe('serve with a long GOP', () => {
  it('logs the warning once per source, naming it and its GOP; none for a source with short GOPs', async () => {
    const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const ignore = () => {};
    const logger: Logger = { debug: ignore, info: ignore, error: ignore, warn: (message, fields) => warnings.push({ message, fields }) };
    const t = await startOrigin({ 'av.mp4': 'av.mp4' }, { segmentDuration: 4, serve: { readAhead: 0 } }, logger);
    longGopFilm(path.join(t.sourceRoot, 'film.mp4'));
    for (const rendition of ['film.mp4', 'av.mp4']) {
      expect((await t.get(`/i/${rendition}/index_0_av.m3u8`)).status).toBe(200);
      expect((await t.get(`/i/${rendition}/segment1_0_av.ts`)).status).toBe(200);
    }
    expect((await t.get('/i/film.mp4/segment2_0_av.ts')).status).toBe(200);
    const gop = warnings.filter((w) => /key-frame interval/.test(w.message));
    expect(gop).toHaveLength(1);
    expect(gop[0].fields).toMatchObject({
      rendition: 'film.mp4',
      reason: expect.stringMatching(
        /^film\.mp4: key frames every 8\.0 s \(its GOP\), so its segments run to about 8\.0 s against a segment duration of 4 s/,
      ),
    });
  });
});

describe('casterpak package with a long GOP', () => {
  it('names the source and its GOP once; a source with short GOPs gets no warning', async () => {
    const cwd = tempDir('casterpak-gop-');
    const film = path.join(cwd, 'film.mp4');
    longGopFilm(film);
    const result = await runCli(['package', 'film.mp4'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `^casterpak: warning: ${film}: key frames every 8\\.0 s \\(its GOP\\), so its segments run to about 16\\.0 s against a segment duration of 10 s`,
      ),
    );
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const plain = await runCli(['package', '--as', 'av.mp4', media('av.mp4')], { cwd });
    expect(plain).toMatchObject({ code: 0, stderr: '' });
  });
});
