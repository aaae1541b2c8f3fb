// DASH from the fMP4 form's own segments (docs/formats.md): the MPD read by a strict XML parser
// (Python's ElementTree), every URL its SegmentTemplates imply answering 200 with the segment
// whose tfdt the timeline says, the timelines of a film's video and audio as far apart as the
// source's tracks are with their edit lists, and a .csmil's members as Representations.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { media } from '../../../helpers/bento4.js';
import { startOrigin, type TestOrigin } from '../../../helpers/origin.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { impliedSegments, readMpd, type MpdRepresentation } from './fmp4-oracles.js';

const resolve = (uri: string, base: string) => new URL(uri, `http://x${base}`).pathname;

// The first packet's decode time of a file's stream as ffprobe reads it, in `entry` (dts: the
// stream's ticks; dts_time: seconds). Of init + segment it is the segment's tfdt, as the init
// segment carries no edit list (docs/formats.md); of a source, its edit list is applied.
function firstDts(file: string, entry: 'dts' | 'dts_time' = 'dts', stream = 0): number {
  const args = ['-v', 'error', '-select_streams', String(stream), '-show_entries', `packet=${entry}`, '-read_intervals', '%+#1'];
  const out = execFileSync('ffprobe', [...args, '-of', 'csv=p=0', file]);
  return Number.parseFloat(out.toString().trim().split('\n')[0]);
}

function joined(init: Uint8Array, segment: Uint8Array): string {
  const file = path.join(tempDir('casterpak-dash-'), 'one.mp4');
  writeFileSync(file, Buffer.concat([init, segment]));
  return file;
}

// Every implied URL answers 200 with the segment the timeline places: its first decode time.
// Returns the number of segments and the first one's time in seconds.
async function checkRepresentation(t: TestOrigin, mpdUrl: string, rep: MpdRepresentation): Promise<{ count: number; start: number }> {
  const get = async (uri: string) => {
    const response = await t.get(resolve(uri, mpdUrl));
    expect(response.status, uri).toBe(200);
    return new Uint8Array(await response.arrayBuffer());
  };
  const init = await get(rep.initialization);
  const segments = impliedSegments(rep);
  for (const s of segments) expect(firstDts(joined(init, await get(s.url))), s.url).toBe(s.t);
  return { count: segments.length, start: segments[0].t / rep.timescale };
}

describe('serve: DASH manifests over the fMP4 segments', () => {
  it('a rendition: one video and one audio AdaptationSet, every implied URL served, as many segments as the HLS playlists', async () => {
    const t = await startOrigin({ 'a.mp4': 'av.mp4' }, { serve: { readAhead: 0 } });
    const response = await t.get('/i/a.mp4/manifest.mpd');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/dash+xml');
    const mpd = readMpd(await response.text());
    expect(mpd.duration).toBe('PT12.000S');
    expect(mpd.representations.map((r) => [r.contentType, r.codecs])).toEqual([
      ['video', expect.stringMatching(/^avc1\./) as string],
      ['audio', 'mp4a.40.2'],
    ]);
    const playlist = await (await t.get('/i/a.mp4/index_0_av.m3u8')).text();
    const count = playlist.split('\n').filter((l) => l.startsWith('#EXTINF')).length;
    const starts: number[] = [];
    for (const rep of mpd.representations) {
      const { count: segments, start } = await checkRepresentation(t, '/i/a.mp4/manifest.mpd', rep);
      expect(segments).toBe(count);
      starts.push(start);
    }
    // Video and audio start as far apart as the source's tracks with their edit lists (B-frame
    // delay, AAC priming): one common offset, to a tick of each timescale and ffprobe's 6 decimals.
    const [video, audio] = [0, 1].map((stream) => firstDts(media('av.mp4'), 'dts_time', stream));
    expect(Math.abs(starts[0] - starts[1] - (video - audio))).toBeLessThanOrEqual(1 / 12800 + 1 / 48000 + 2e-6);
  });

  it('a .csmil: each member a Representation of the same AdaptationSets; a missing member left out', async () => {
    const t = await startOrigin({ 's/c_a.mp4': 'av.mp4', 's/c_b.mp4': 'av-no-bframes.mp4' }, { serve: { readAhead: 0 } });
    const url = '/i/s/c_,a,b,missing,.mp4.csmil/manifest.mpd';
    const response = await t.get(url);
    expect(response.status).toBe(200);
    const mpd = readMpd(await response.text());
    expect(mpd.representations.map((r) => [r.contentType, r.initialization])).toEqual([
      ['video', '../c_a.mp4/fmp4/init_0_v.mp4'],
      ['video', '../c_b.mp4/fmp4/init_0_v.mp4'],
      ['audio', '../c_a.mp4/fmp4/init_0_a2.mp4'],
      ['audio', '../c_b.mp4/fmp4/init_0_a2.mp4'],
    ]);
    for (const rep of mpd.representations) expect((await checkRepresentation(t, url, rep)).count).toBeGreaterThan(0);
    expect((await t.get('/i/s/c_,x,y,.mp4.csmil/manifest.mpd')).status).toBe(404);
  });
});
