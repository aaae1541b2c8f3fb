// `casterpak package --format`: the fMP4 form pre-warmed (docs/formats.md), alone or beside the
// MPEG-TS one, its files the source's packets on its presentation timeline, then reused; an
// unknown form refused.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEDIA_DIR, media } from '../helpers/bento4.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { decodeAll } from '../lib/origin/fmp4/fmp4-oracles.js';
import { expectFmp4SourceTimeline } from '../lib/packaging/helpers/source-timeline.js';

const env = { CASTERPAK_SOURCE_ROOT: MEDIA_DIR };
const files = (dir: string) => readdirSync(dir).sort();

describe('casterpak package --format', () => {
  it('fmp4: every fMP4 file and no MPEG-TS segment; the video carries the source packets; a second run reuses', async () => {
    const cwd = tempDir('casterpak-cli-');
    const cacheDir = path.join(cwd, 'casterpak-cache');
    const result = await runCli(['package', '--format', 'fmp4', '--json', media('av.mp4')], { cwd, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const dir = path.join(cacheDir, 'av.mp4');
    expect(files(dir).filter((n) => n.endsWith('.ts'))).toEqual([]);
    const fmp4 = files(path.join(dir, 'fmp4'));
    expect(fmp4).toEqual(
      [
        'index_0_a2.m3u8',
        'index_0_v.m3u8',
        'init_0_a2.mp4',
        'init_0_v.mp4',
        'segment1_0_a2.m4s',
        'segment1_0_v.m4s',
        'segment2_0_a2.m4s',
        'segment2_0_v.m4s',
      ].sort(),
    );
    const summary = JSON.parse(result.stdout) as { made: number; bytes: number };
    expect(summary.made).toBe(1);
    expect(summary.bytes).toBe(fmp4.reduce((sum, n) => sum + statSync(path.join(dir, 'fmp4', n)).size, 0));
    const joined = (ref: string) =>
      decodeAll(
        [`init_0_${ref}.mp4`, `segment1_0_${ref}.m4s`, `segment2_0_${ref}.m4s`].map((n) => readFileSync(path.join(dir, 'fmp4', n))),
      );
    await expectFmp4SourceTimeline(media('av.mp4'), [
      { file: joined('v'), stream: 0 },
      { file: joined('a2'), stream: 1 },
    ]);
    const again = JSON.parse((await runCli(['package', '--format', 'fmp4', '--json', media('av.mp4')], { cwd, env })).stdout) as {
      reused: number;
    };
    expect(again.reused).toBe(1);
  });

  it('both: the MPEG-TS segments and the fMP4 files; an unknown form is refused before anything is made', async () => {
    const cwd = tempDir('casterpak-cli-');
    const cacheDir = path.join(cwd, 'casterpak-cache');
    expect((await runCli(['package', '--format', 'both', media('av.mp4')], { cwd, env })).code).toBe(0);
    const dir = path.join(cacheDir, 'av.mp4');
    expect(files(dir).filter((n) => n.endsWith('.ts'))).toEqual(['segment1_0_av.ts', 'segment2_0_av.ts']);
    expect(files(path.join(dir, 'fmp4')).filter((n) => n.endsWith('.m4s'))).toHaveLength(4);
    const refused = await runCli(['package', '--format', 'dash', media('av.mp4')], { cwd: tempDir('casterpak-cli-'), env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--format.*dash|dash.*--format/);
  });
});
