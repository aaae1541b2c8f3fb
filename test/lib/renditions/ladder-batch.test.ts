import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ladder as checkLadder } from '../../../src/lib/config/ladder.js';
import { transcodesAtOnce } from '../../../src/lib/renditions/ladder-batch.js';
import { parseProfiles, planProfiles } from '../../../src/lib/renditions/ladder-plan.js';
import { checkRendition } from '../../helpers/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { LADDER_INPUT, ffmpegWrapper, segmentsOf, setup } from './helpers/ladder-batch.js';

const LADDER = checkLadder(LADDER_INPUT);

describe('parseProfiles', () => {
  it('takes names of the ladder, once each, and refuses another naming the ladder', () => {
    expect(parseProfiles(LADDER, '90p, 144p,90p')).toEqual(['90p', '144p']);
    expect(() => parseProfiles(LADDER, '90p,480p')).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: 'no profile 480p in the ladder: give some of 240p, 144p, 120p, 90p (renditions.ladder)',
      }),
    );
    expect(() => parseProfiles(LADDER, ' , ')).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/^--profiles names no profile: give some of 240p/) }),
    );
  });
});

describe('planProfiles', () => {
  const plan = (names: string[] | null, source: { width: number; height: number } | null) =>
    planProfiles(LADDER, names, source).map((p) => [p.name, p.skip ?? 'make']);

  it('makes the profiles below the source, tallest first, and skips those that would upscale it', () => {
    expect(plan(null, { width: 320, height: 180 })).toEqual([
      ['240p', 'the source is 320x180: 240 lines would upscale it'],
      ['144p', 'make'],
      ['120p', 'make'],
      ['90p', 'make'],
    ]);
    expect(plan(null, { width: 180, height: 320 })).toEqual(
      plan(null, { width: 320, height: 180 }).map(([n, s]) => [n, s.replace('320x180', '180x320')]),
    ); // the shorter side
  });

  it('skips a profile of the source height for the whole ladder (the source is it) but makes it when named', () => {
    expect(plan(null, { width: 256, height: 144 })[1]).toEqual(['144p', "not below the source's 144 lines (the source is that rendition)"]);
    expect(plan(['90p', '144p', '240p'], { width: 256, height: 144 })).toEqual([
      ['90p', 'make'],
      ['144p', 'make'],
      ['240p', 'the source is 256x144: 240 lines would upscale it'],
    ]);
  });

  it('skips every profile of a source without video', () => {
    expect(plan(['90p'], null)).toEqual([['90p', 'the source has no video to derive from']]);
  });
});

describe('transcodesAtOnce', () => {
  it('is --concurrency up to 2, and more only on many cores', () => {
    expect([
      transcodesAtOnce(1, 2),
      transcodesAtOnce(2, 2),
      transcodesAtOnce(8, 2),
      transcodesAtOnce(8, 32),
      transcodesAtOnce(64, 64),
    ]).toEqual([1, 2, 2, 4, 8]);
  });
});

describe('package --ladder (createLadderBatch)', () => {
  it('makes the source and each profile below it with one ffmpeg run per segment for all of them', async () => {
    const ffmpeg = ffmpegWrapper();
    const { cacheDir, run } = setup(ffmpeg);
    const summary = await run(null);
    expect(summary).toMatchObject({ made: 4, reused: 0, skipped: 1, failed: 0 });
    expect(summary.results.map((r) => [r.renditionPath, r.status, r.profile])).toEqual([
      ['av.mp4', 'made', undefined],
      ['av_240p.mp4', 'skipped', '240p'],
      ['av_144p.mp4', 'made', '144p'],
      ['av_120p.mp4', 'made', '120p'],
      ['av_90p.mp4', 'made', '90p'],
    ]);
    expect(summary.results[1].reason).toBe('the source is 320x180: 240 lines would upscale it');
    for (const name of ['av_144p.mp4', 'av_120p.mp4', 'av_90p.mp4']) {
      const result = summary.results.find((r) => r.renditionPath === name)!;
      expect(checkRendition(path.join(cacheDir, name)).segmentFiles).toHaveLength(3);
      expect(result).toMatchObject({ dir: path.join(cacheDir, name), segments: 3 });
      expect(result.bytes).toBe(Object.values(segmentsOf(path.join(cacheDir, name))).reduce((sum, b) => sum + b.length, 0));
    }
    expect(existsSync(path.join(cacheDir, 'av_240p.mp4'))).toBe(false);
    // Three segments: three runs, each decoding once and encoding the three profiles.
    const runs = ffmpeg.encodes();
    expect(runs).toHaveLength(3);
    for (const args of runs) {
      expect(args).toContain('split=3');
      expect(args.match(/ -map /g)).toHaveLength(3);
      expect(args).toMatch(/scale=256:144.*scale=214:120.*scale=160:90/);
    }
  });

  it('reuses complete renditions without ffmpeg, remakes a missing segment for its profile alone, and --force makes all again', async () => {
    const ffmpeg = ffmpegWrapper();
    const { cacheDir, run } = setup(ffmpeg);
    await run(['144p', '90p']);
    ffmpeg.reset();
    expect((await run(['144p', '90p'])).results.map((r) => r.status)).toEqual(['reused', 'reused', 'reused']);
    expect(ffmpeg.encodes()).toEqual([]);

    rmSync(path.join(cacheDir, 'av_90p.mp4/segment2_0_av.ts'));
    const before = segmentsOf(path.join(cacheDir, 'av_144p.mp4'));
    const repaired = await run(['144p', '90p']);
    expect(repaired.results.map((r) => [r.profile, r.status])).toEqual([
      [undefined, 'reused'],
      ['144p', 'reused'],
      ['90p', 'made'],
    ]);
    expect(ffmpeg.encodes()).toHaveLength(1);
    expect(ffmpeg.encodes()[0]).not.toContain('split');
    checkRendition(path.join(cacheDir, 'av_90p.mp4'));
    expect(segmentsOf(path.join(cacheDir, 'av_144p.mp4'))).toEqual(before);

    ffmpeg.reset();
    expect((await run(['144p', '90p'], true)).results.map((r) => r.status)).toEqual(['made', 'made', 'made']);
    expect(ffmpeg.encodes()).toHaveLength(3);
  });

  it('makes the bytes serve makes for the same derived segments (one ffmpeg run for two profiles, or one each)', async () => {
    const ffmpeg = ffmpegWrapper();
    const { cacheDir, run } = setup(ffmpeg);
    expect((await run(['144p', '90p'])).made).toBe(3);
    expect(ffmpeg.encodes().every((args) => args.includes('split=2'))).toBe(true);
    const origin = await startOrigin(
      { 'av.mp4': 'av.mp4' },
      { renditions: { ladder: LADDER_INPUT }, ffmpeg: { path: ffmpeg.path }, serve: { readAhead: 0 } },
    );
    for (const profile of ['144p', '90p']) {
      const packaged = segmentsOf(path.join(cacheDir, `av_${profile}.mp4`));
      expect(Object.keys(packaged)).toHaveLength(3);
      for (const [name, bytes] of Object.entries(packaged)) {
        const response = await origin.get(`/i/av_${profile}.mp4/${name}`);
        expect(response.status, `${profile} ${name}`).toBe(200);
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes), `${profile} ${name}`).toBe(true);
      }
      const playlist = await (await origin.get(`/i/av_${profile}.mp4/index_0_av.m3u8`)).text();
      expect(readFileSync(path.join(cacheDir, `av_${profile}.mp4/index_0_av.m3u8`), 'utf8')).toBe(playlist);
    }
    expect(ffmpeg.encodes().filter((args) => !args.includes('split'))).toHaveLength(6); // serve: one profile a run
  });

  it('skips a profile whose real file lies beside the source (serve packages that file), and packages such a file given as input', async () => {
    const ffmpeg = ffmpegWrapper();
    const { cacheDir, run } = setup(ffmpeg, { 'av.mp4': 'av.mp4', 'av_90p.mp4': 'av-no-bframes.mp4' });
    const summary = await run(['144p', '90p'], false, ['av.mp4', 'av_90p.mp4']);
    expect(summary.results.map((r) => [r.renditionPath, r.status, r.profile])).toEqual([
      ['av.mp4', 'made', undefined],
      ['av_144p.mp4', 'made', '144p'],
      ['av_90p.mp4', 'skipped', '90p'],
      ['av_90p.mp4', 'made', undefined],
      ['av_90p_144p.mp4', 'made', '144p'],
      ['av_90p_90p.mp4', 'made', '90p'],
    ]);
    expect(summary.results[2].reason).toMatch(/^a file av_90p\.mp4 exists beside the source/);
    expect(JSON.parse(readFileSync(path.join(cacheDir, 'av_90p.mp4/.rendition.json'), 'utf8')).derived).toBeUndefined();
    // av.mp4 (3 segments): 144p alone; av_90p.mp4 (2 segments): both profiles from one decode.
    expect(
      ffmpeg
        .encodes()
        .map((args) => /split=\d/.exec(args)?.[0] ?? 'alone')
        .sort(),
    ).toEqual(['alone', 'alone', 'alone', 'split=2', 'split=2']);
  });

  it('fails the derived renditions when ffmpeg fails, keeping the source and nothing half-made', async () => {
    const ffmpeg = ffmpegWrapper(true);
    const { cacheDir, run } = setup(ffmpeg);
    const summary = await run(['144p', '90p']);
    expect(summary).toMatchObject({ made: 1, failed: 2 });
    for (const result of summary.results.slice(1))
      expect(result).toMatchObject({
        status: 'failed',
        dir: null,
        error: { code: 'TOOL', message: expect.stringContaining('wrapped failure') },
      });
    for (const name of ['av_144p.mp4', 'av_90p.mp4'])
      expect(readdirSync(path.join(cacheDir, name)).filter((n) => n.endsWith('.ts'))).toEqual([]);
    checkRendition(path.join(cacheDir, 'av.mp4'));
  });
});
