// DASH from the fMP4 form's own segments (docs/formats.md): the MPD read by a strict XML parser
// (Python's ElementTree), every URL its SegmentTemplates imply answering 200 with the segment
// whose tfdt the timeline says, and a .csmil's members as Representations.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOrigin, type TestOrigin } from '../../../helpers/origin.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { impliedSegments, readMpd, type MpdRepresentation } from './fmp4-oracles.js';

const resolve = (uri: string, base: string) => new URL(uri, `http://x${base}`).pathname;

// The segment's tfdt as ffprobe reads it: the first packet's decode time of init + segment.
function firstDts(init: Uint8Array, segment: Uint8Array): number {
  const file = path.join(tempDir('casterpak-dash-'), 'one.mp4');
  writeFileSync(file, Buffer.concat([init, segment]));
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=dts', '-read_intervals', '%+#1', '-of', 'csv=p=0', file]);
  return Number(out.toString().trim().split('\n')[0]);
}

// Every implied URL answers 200 with the segment the timeline places: its first decode time.
async function checkRepresentation(t: TestOrigin, mpdUrl: string, rep: MpdRepresentation): Promise<number> {
  const get = async (uri: string) => {
    const response = await t.get(resolve(uri, mpdUrl));
    expect(response.status, uri).toBe(200);
    return new Uint8Array(await response.arrayBuffer());
  };
  const init = await get(rep.initialization);
  const segments = impliedSegments(rep);
  for (const s of segments) {
    const segment = await get(s.url);
    // ffprobe's first dts is shifted by the edit list (B-frame delay, audio priming): differences only.
    if (s === segments[0]) continue;
    expect(firstDts(init, segment) - firstDts(init, await get(segments[0].url)), s.url).toBe(s.t - segments[0].t);
  }
  return segments.length;
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
    for (const rep of mpd.representations) expect(await checkRepresentation(t, '/i/a.mp4/manifest.mpd', rep)).toBe(count);
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
    for (const rep of mpd.representations) expect(await checkRepresentation(t, url, rep)).toBeGreaterThan(0);
    expect((await t.get('/i/s/c_,x,y,.mp4.csmil/manifest.mpd')).status).toBe(404);
  });
});
