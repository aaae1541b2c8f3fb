// A phone video (quarter-turn display matrix) in a source master with the ladder and
// renditions.upright off (docs/renditions.md, "Phone video"): its derived renditions are upright,
// its own rendition is packaged as stored, and the operator is told once rather than finding out
// in a player. With the key on (the default) both are upright: renditions/upright-source.test.ts.
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import type { Logger } from '../../../src/lib/shared/logger.js';
import { startOrigin } from '../../helpers/origin.js';

const LADDER = { '90p': { height: 90, videoBitrate: '150k', profile: 'baseline', level: '3.0', preset: 'ultrafast' } };

function recording(): { logger: Logger; warnings: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const ignore = () => {};
  return {
    logger: { debug: ignore, info: ignore, error: ignore, warn: (message, fields) => warnings.push({ message, fields }) },
    warnings,
  };
}

describe('serve: a phone video in a master with the ladder', () => {
  it('warns once, naming the source, when its derived renditions are upright and its own is not; never for an upright source', async () => {
    const { logger, warnings } = recording();
    const t = await startOrigin(
      { 'phone.mp4': 'phone-rotated.mp4', 'film.mp4': 'av.mp4' },
      { renditions: { ladder: LADDER, inMaster: true, upright: false }, serve: { readAhead: 0 } },
      logger,
    );
    for (let i = 0; i < 2; i++) {
      const response = await t.get('/i/phone.mp4/master.m3u8');
      expect(response.status).toBe(200);
      const sizes = parseMasterPlaylist(await response.text())
        .variants.filter((v) => !v.isIFrameOnly)
        .map((v) => v.resolution);
      // With the key off: the source's coded picture beside an upright (portrait) derived one.
      expect(sizes).toHaveLength(2);
      expect(sizes).toEqual(
        expect.arrayContaining([
          { width: 320, height: 180 },
          { width: 90, height: 160 },
        ]),
      );
    }
    expect((await t.get('/i/film.mp4/master.m3u8')).status).toBe(200);
    const sideways = warnings.filter((w) => /sideways/.test(w.message));
    expect(sideways).toHaveLength(1);
    expect(sideways[0].fields).toMatchObject({ rendition: 'phone.mp4', reason: expect.stringMatching(/quarter-turn display matrix/) });
  });
});
