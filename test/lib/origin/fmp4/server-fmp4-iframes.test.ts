// The fMP4 form's I-frame playlist: each entry's byte range of its media segment, after the init
// segment, is a file ffprobe reads one key frame from, the source's own (its bytes; its time the
// source's moved by the offset of the whole segment, docs/formats.md), and the fMP4 master lists
// it as an I-frame variant.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../../src/lib/formats/hls/codec.js';
import { media } from '../../../helpers/bento4.js';
import { startOrigin, type TestOrigin } from '../../../helpers/origin.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { probePackets } from './fmp4-oracles.js';

const fetchBytes = async (t: TestOrigin, url: string, headers: Record<string, string> = {}) => {
  const response = await t.get(url, headers);
  expect(response.status, url).toBe(Object.keys(headers).length > 0 ? 206 : 200);
  return new Uint8Array(await response.arrayBuffer());
};

// ffprobe's packets of init + a byte range cut where the key frame ends (the rest of the mdat
// missing: ffprobe reads what is there).
function packetsOf(parts: readonly Uint8Array[]): string[] {
  const file = path.join(tempDir('casterpak-iframe-'), 'one.mp4');
  writeFileSync(file, Buffer.concat(parts));
  return probePackets(file);
}

describe('serve: the I-frame playlist of the fMP4 form', () => {
  it.each([
    ['av.mp4', 4],
    ['hevc.mp4', 1],
  ] as const)('%s: every byte range holds one key frame of the source, in order; the master lists it', async (fixture, segmentDuration) => {
    const t = await startOrigin({ 'f.mp4': fixture }, { segmentDuration, serve: { readAhead: 0 } });
    const master = parseMasterPlaylist(await (await t.get('/i/f.mp4/fmp4/master.m3u8')).text());
    const iframe = master.variants.find((v) => v.isIFrameOnly);
    expect(iframe?.uri).toBe('kfonly/index_0_v.m3u8');
    const url = '/i/f.mp4/fmp4/kfonly/index_0_v.m3u8';
    const text = await (await t.get(url)).text();
    expect(text).toMatch(/^#EXT-X-I-FRAMES-ONLY$/m);
    const playlist = parseMediaPlaylist(text);
    const init = await fetchBytes(t, new URL(playlist.segments[0].map!.uri, `http://x${url}`).pathname);
    // "pts,dts,size,flags,hash": the times apart from what must be the source's exactly.
    const split = (p: string) => {
      const [pts, dts, ...body] = p.split(',');
      return { pts: Number(pts), dts: Number(dts), body: body.join(',') };
    };
    const keys = probePackets(media(fixture), 0)
      .map(split)
      .filter((p) => p.body.split(',')[1] === 'K');
    // The offset of the video's times from the source's: the first packet of the first entry's
    // whole segment against the source's packet with the same bytes.
    const firstUri = new URL(playlist.segments[0].uri, `http://x${url}`).pathname;
    const whole = split(packetsOf([init, await fetchBytes(t, firstUri)])[0]);
    const offset = whole.pts - keys.find((k) => k.body === whole.body)!.pts;
    const seen: { pts: number; dts: number; body: string }[] = [];
    for (const s of playlist.segments) {
      const { length, offset: at } = s.byterange!;
      const range = await fetchBytes(t, new URL(s.uri, `http://x${url}`).pathname, { Range: `bytes=${at}-${at + length - 1}` });
      const packets = packetsOf([init, range]);
      expect(packets, s.uri).toHaveLength(1);
      seen.push(split(packets[0]));
    }
    expect(seen.length).toBeGreaterThan(1);
    // Each one a key frame of the source, in the source's order, at its time moved by the offset.
    const indices = seen.map((p) => keys.findIndex((k) => k.body === p.body && k.pts + offset === p.pts && k.dts + offset === p.dts));
    expect(indices.every((i) => i >= 0)).toBe(true);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    const sum = playlist.segments.reduce((a, s) => a + s.duration, 0);
    const total = parseMediaPlaylist(await (await t.get('/i/f.mp4/fmp4/index_0_v.m3u8')).text()).segments.reduce(
      (a, s) => a + s.duration,
      0,
    );
    expect(sum).toBeCloseTo(total, 2);
  });
});
