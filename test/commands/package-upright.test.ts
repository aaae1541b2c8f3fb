// `casterpak package` of a phone video (docs/renditions.md, "Phone video"): with
// renditions.upright on (the default) its rendition is transcoded upright, the same bytes serve
// makes; with --upright off it is packaged as stored, mp42hls's segments.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheLayout, segmentName } from '../../src/lib/cache/names.js';
import { readRenditionInfo } from '../../src/lib/cache/rendition-info.js';
import { media } from '../helpers/bento4.js';
import { runCli } from '../helpers/cli.js';
import { startOrigin } from '../helpers/origin.js';
import { tempDir } from '../helpers/temp-dir.js';
import { probeVideo } from '../lib/renditions/helpers/media-probe.js';
import { fetchOk } from '../lib/renditions/helpers/derived.js';
import { expectSourceTimeline } from '../lib/packaging/helpers/source-timeline.js';

function workspace() {
  const cwd = tempDir('casterpak-cli-');
  mkdirSync(path.join(cwd, 'library'));
  copyFileSync(media('phone-rotated.mp4'), path.join(cwd, 'library/phone.mp4'));
  writeFileSync(path.join(cwd, 'casterpak.config.json'), JSON.stringify({ sourceRoot: 'library', cacheDir: 'cache', segmentDuration: 4 }));
  return { cwd, dir: cacheLayout(path.join(cwd, 'cache')).renditionDir('phone.mp4') };
}

const segmentsIn = (dir: string, count: number) =>
  Array.from({ length: count }, (_, i) => readFileSync(path.join(dir, segmentName(i + 1))));

describe('casterpak package: a phone video', () => {
  it('transcodes it upright, the same segments serve makes', async () => {
    const { cwd, dir } = workspace();
    const result = await runCli(['package', 'library/phone.mp4'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const info = await readRenditionInfo(dir);
    expect(info?.upright).toBeDefined();
    const made = segmentsIn(dir, info!.segments);
    const joined = path.join(tempDir(), 'phone.ts');
    writeFileSync(joined, Buffer.concat(made));
    expect(await probeVideo(joined)).toMatchObject({ width: 180, height: 320, rotation: null });

    const t = await startOrigin({ 'phone.mp4': 'phone-rotated.mp4' }, { serve: { readAhead: 0 } });
    for (let n = 1; n <= made.length; n++) {
      const served = Buffer.from(await fetchOk(t, `/i/phone.mp4/segment${n}_0_av.ts`));
      expect(served.equals(made[n - 1]), `segment ${n}`).toBe(true);
    }
  });

  it("with --upright off, packages it as stored: the source's packets and timeline, the stored size", async () => {
    const { cwd, dir } = workspace();
    const result = await runCli(['package', '--upright', 'off', 'library/phone.mp4'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const info = await readRenditionInfo(dir);
    expect(info?.upright).toBeUndefined();
    // As stored: the source's packets on its presentation timeline (its edit list applied, so not
    // mp42hls's run on the file itself), the picture at its stored size.
    const segments = segmentsIn(dir, info!.segments);
    await expectSourceTimeline(media('phone-rotated.mp4'), segments);
    const joined = path.join(tempDir('casterpak-joined-'), 'joined.ts');
    writeFileSync(joined, Buffer.concat(segments));
    expect(await probeVideo(joined)).toMatchObject({ width: 320, height: 180 });
  });
});
