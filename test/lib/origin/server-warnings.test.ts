import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { HEVC_IN_TS_WARNING } from '../../../src/lib/origin/hevc-warning.js';
import { media } from '../../helpers/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

const ok = async (response: Response) => {
  expect(response.status, response.url).toBe(200);
  return response.text();
};

describe('serve: what an operator is warned about', () => {
  it('an HEVC rendition made (Apple devices do not play HEVC in MPEG-TS), once per rendition', async () => {
    const logger = recordingLogger();
    const t = await startOrigin({ 'h.mp4': 'hevc.mp4', 'a.mp4': 'av.mp4' }, { serve: { readAhead: 0 } }, logger);
    await ok(await t.get('/i/a.mp4/index_0_av.m3u8'));
    await ok(await t.get('/i/h.mp4/index_0_av.m3u8'));
    await ok(await t.get('/i/h.mp4/segment1_0_av.ts'));
    const hevc = logger.warnings().filter((line) => line.message === HEVC_IN_TS_WARNING);
    expect(hevc.map((line) => line.fields)).toEqual([{ rendition: 'h.mp4', codec: 'hvc1.1.6.L60.90' }]);
  });

  it('CODECS says what the TS carries: hvc1 for HEVC even when the MP4 had a hev1 sample entry', async () => {
    const t = await startOrigin({});
    const bytes = readFileSync(media('hevc.mp4'));
    const at = bytes.indexOf('hvc1');
    expect(bytes.indexOf('hvc1', at + 1)).toBe(-1); // the one sample entry
    bytes.write('hev1', at, 'latin1');
    writeFileSync(path.join(t.sourceRoot, 'hev1.mp4'), bytes);
    const master = parseMasterPlaylist(await ok(await t.get('/i/hev1.mp4/master.m3u8')));
    expect(master.variants.map((v) => [v.isIFrameOnly, v.codecs])).toEqual([
      [false, 'hvc1.1.6.L60.90'],
      [true, 'hvc1.1.6.L60.90'],
    ]);
  });

  it('a .csmil of renditions that differ in duration, frame rate or audio names each one that differs, once', async () => {
    const logger = recordingLogger();
    const t = await startOrigin(
      {
        's/c_a.mp4': 'av.mp4',
        's/c_b.mp4': 'av.mp4',
        's/c_n.mp4': 'av-no-bframes.mp4',
        's/c_f.mp4': 'av-2997.mp4',
        's/c_v.mp4': 'video-only.mp4',
      },
      {},
      logger,
    );
    const differ = () =>
      logger
        .warnings()
        .filter((line) => line.message === 'csmil renditions differ')
        .map((line) => line.fields);
    await ok(await t.get('/i/s/c_,a,b,.mp4.csmil/master.m3u8'));
    expect(differ()).toEqual([]);
    await ok(await t.get('/i/s/c_,a,n,f,v,.mp4.csmil/master.m3u8'));
    expect(differ()).toEqual([
      { rendition: 's/c_n.mp4', comparedWith: 's/c_a.mp4', differs: 'duration 8.0 s, not 12.0 s' },
      { rendition: 's/c_f.mp4', comparedWith: 's/c_a.mp4', differs: 'duration 8.0 s, not 12.0 s; frame rate 29.970, not 25.000' },
      { rendition: 's/c_v.mp4', comparedWith: 's/c_a.mp4', differs: 'duration 6.0 s, not 12.0 s; audio none, not mp4a.40.2' },
    ]);
    await ok(await t.get('/i/s/c_,a,n,f,v,.mp4.csmil/master.m3u8'));
    expect(differ()).toHaveLength(3);
  });
});
