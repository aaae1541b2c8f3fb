// `casterpak package` pre-warms every audio rendition (docs/tracks.md): after the run, a film with
// several audio tracks has each one's playlist and every segment on disk, each decodable audio
// (ffprobe), and its master lists them from the packaged info; a film with one audio track gets none.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPackageJob } from '../../../src/lib/packaging/package-runner.js';
import { validateConfig } from '../../../src/lib/config/schema.js';
import { readRenditionInfo } from '../../../src/lib/cache/rendition-info.js';
import { audioRenditionsOf } from '../../../src/lib/masters/audio-groups.js';
import { silentReporter } from '../../../src/lib/shared/reporter.js';
import { MEDIA_DIR, media } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('package: every track', () => {
  it('makes every audio rendition of tracks.mp4 and none for av.mp4', async () => {
    const cacheDir = tempDir('casterpak-cache-');
    const config = validateConfig([{ cacheDir, sourceRoot: MEDIA_DIR, segmentDuration: 2 }], 2);
    const summary = await runPackageJob(config, {
      inputs: [media('tracks.mp4'), media('av.mp4')],
      force: false,
      cwd: process.cwd(),
      reporter: silentReporter(),
    });
    expect(summary.failed).toBe(0);
    const dir = path.join(cacheDir, 'tracks.mp4');
    const info = (await readRenditionInfo(dir))!;
    const names = readdirSync(dir);
    for (const track of [2, 3, 4]) {
      expect(names).toContain(`index_0_a${track}.m3u8`);
      const segments = names.filter((n) => new RegExp(`^segment\\d+_0_a${track}\\.ts$`).test(n));
      expect(segments).toHaveLength(info.segments);
      for (const name of segments) {
        const args = ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'json', path.join(dir, name)];
        const { streams } = JSON.parse(execFileSync('ffprobe', args, { encoding: 'utf8' })) as { streams: { codec_type: string }[] };
        expect(streams.map((s) => s.codec_type)).toEqual(['audio']);
      }
    }
    expect(audioRenditionsOf(info, '').map((r) => [r.trackId, r.language, r.isDefault])).toEqual([
      [2, 'en', false],
      [3, 'fr', true],
      [4, 'und', false],
    ]);
    expect(readdirSync(path.join(cacheDir, 'av.mp4')).filter((n) => /_0_a\d+\./.test(n))).toEqual([]);
  }, 120_000);
});
