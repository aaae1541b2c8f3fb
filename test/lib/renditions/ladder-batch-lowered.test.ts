// package --ladder with a profile lowered below its source (renditions/rate-cap.ts): the shared
// encode of a segment makes it at its lowered rates, so one decode serves every profile, and
// each segment is the bytes serve makes of it alone (before, the shared run encoded it at the
// ladder's rates for nothing, and its own encode differed from run to run).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOrigin } from '../../helpers/origin.js';
import { LADDER_INPUT, ffmpegWrapper, segmentsOf, setup } from './helpers/ladder-batch.js';

// 120p at 2 Mbit/s is far above av.mp4's own rates: lowered below them.
const LADDER = { '144p': LADDER_INPUT['144p'], '120p': { height: 120, videoBitrate: '2M', profile: 'main', level: '3.0' } };

describe('package --ladder with a lowered profile', () => {
  it('encodes it in the shared run at its lowered rates, the bytes serve makes', async () => {
    const ffmpeg = ffmpegWrapper();
    const { cacheDir, run } = setup(ffmpeg, { 'av.mp4': 'av.mp4' }, LADDER);
    expect((await run(['144p', '120p'])).made).toBe(3);
    const rates = JSON.parse(readFileSync(path.join(cacheDir, 'av_120p.mp4/.rendition.json'), 'utf8')).derived.rates;
    expect(rates.videoBitrate).toBeLessThan(2_000_000);
    // Three segments: three runs of both profiles, none alone; the lowered one at its own rates.
    const runs = ffmpeg.encodes();
    expect(runs).toHaveLength(3);
    for (const args of runs) {
      expect(args).toContain('split=2');
      // One thread: with no VBV headroom slice threads make a different encode each run (ladder-plan.ts).
      expect(args).toContain(`-b:v ${rates.videoBitrate} -maxrate ${rates.maxRate} -bufsize ${rates.bufSize} -bf 0 -threads 1 `);
    }
    const origin = await startOrigin(
      { 'av.mp4': 'av.mp4' },
      { renditions: { ladder: LADDER }, ffmpeg: { path: ffmpeg.path }, serve: { readAhead: 0 } },
    );
    for (const profile of ['144p', '120p']) {
      const packaged = segmentsOf(path.join(cacheDir, `av_${profile}.mp4`));
      expect(Object.keys(packaged)).toHaveLength(3);
      for (const [name, bytes] of Object.entries(packaged)) {
        const response = await origin.get(`/i/av_${profile}.mp4/${name}`);
        expect(response.status, `${profile} ${name}`).toBe(200);
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes), `${profile} ${name}`).toBe(true);
      }
    }
  });
});
