import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LADDER } from '../../../src/lib/config/ladder.js';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { derivedBitrates } from '../../../src/lib/renditions/ladder-plan.js';
import { ASSUMED_AUDIO_BITRATE, chooseLadderSource, type LadderSourceInfo } from '../../../src/lib/masters/master-ladder.js';
import { rewriteMaster, type RewriteMasterOptions } from '../../../src/lib/masters/master-rewrite.js';

const KALTURA = readFileSync(new URL('../../fixtures/playlists/kaltura-master.m3u8', import.meta.url), 'utf8');
const BASE = 'https://casterpak.example.com';
const SOURCE = '/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8'; // the 1280x720 variant
const ladder = { profiles: DEFAULT_LADDER, segmentDuration: 10 };

const options = (extra: Partial<RewriteMasterOptions> = {}): RewriteMasterOptions => ({
  masterUrl: new URL('https://kaltura.example/p/1/a.m3u8'),
  baseUrl: BASE,
  pathPatterns: [/^\/i\//],
  hosts: [],
  ...extra,
});

const streamInfs = (text: string) => text.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));

describe('the ladder in a rewritten master, offline (rewrite-master --ladder)', () => {
  it("adds each profile below the tallest variant's RESOLUTION that the master lacks, after that variant", () => {
    const result = rewriteMaster(KALTURA, options({ ladder }));
    // 720 lines: 540p is in the master already (960x540), 720p and 1080p would not be below it.
    expect(result.ladder).toEqual({ profiles: ['360p', '234p'], source: SOURCE, skipped: null });
    const r360 = derivedBitrates(DEFAULT_LADDER['360p'], ASSUMED_AUDIO_BITRATE, 10);
    const r234 = derivedBitrates(DEFAULT_LADDER['234p'], ASSUMED_AUDIO_BITRATE, 10);
    expect(result.text.split('\n').slice(6)).toEqual([
      `${BASE}${SOURCE}`,
      // The source variant's attributes (PROGRAM-ID) kept; no CODECS, as the source has none.
      `#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=${r360.peak},RESOLUTION=640x360,AVERAGE-BANDWIDTH=${r360.average}`,
      `${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1_360p.mp4/index_0_av.m3u8`,
      `#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=${r234.peak},RESOLUTION=416x234,AVERAGE-BANDWIDTH=${r234.average}`,
      `${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1_234p.mp4/index_0_av.m3u8`,
      '',
    ]);
    expect(r360.average).toBeGreaterThan(365_000 + ASSUMED_AUDIO_BITRATE);
    expect(parseMasterPlaylist(result.text).variants).toHaveLength(5);
  });

  it("gives CODECS from the profile and the source's audio, keeps the query and SCORE, drops STABLE-VARIANT-ID", () => {
    const text =
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1500000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000,SCORE=2,STABLE-VARIANT-ID="hi"\n' +
      'https://k.example/i/a.mp4/index_0_av.m3u8?token=x\n';
    const result = rewriteMaster(
      text,
      options({ ladder: { profiles: { '360p': DEFAULT_LADDER['360p'], '1080p': DEFAULT_LADDER['1080p'] }, segmentDuration: 4 } }),
    );
    const rates = derivedBitrates(DEFAULT_LADDER['360p'], ASSUMED_AUDIO_BITRATE, 4);
    expect(streamInfs(result.text)[1]).toBe(
      `#EXT-X-STREAM-INF:BANDWIDTH=${rates.peak},CODECS="avc1.4D401E,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000,SCORE=2,AVERAGE-BANDWIDTH=${rates.average}`,
    );
    expect(result.text).toContain(`${BASE}/i/a_360p.mp4/index_0_av.m3u8?token=x`);
    expect(result.text).not.toContain('1080p'); // an upscale is never added
  });

  it("never advertises more than the source variant's BANDWIDTH and AVERAGE-BANDWIDTH", () => {
    const master = (rates: string) =>
      `#EXTM3U\n#EXT-X-STREAM-INF:${rates},CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720\nhttps://k.example/i/a.mp4/index_0_av.m3u8\n`;
    const plan = { ladder: { profiles: { '360p': DEFAULT_LADDER['360p'] }, segmentDuration: 4 } };
    const full = derivedBitrates(DEFAULT_LADDER['360p'], ASSUMED_AUDIO_BITRATE, 4);
    const added = (rates: string) => {
      const variant = parseMasterPlaylist(rewriteMaster(master(rates), options(plan)).text).variants[1];
      return [variant.bandwidth, variant.averageBandwidth];
    };
    // The profile's own figures (922 k peak, 618 k average at 4 s) would pass a 900 k source.
    const [peak, average] = added('BANDWIDTH=900000');
    expect(full.peak).toBeGreaterThan(900_000);
    expect(peak).toBeLessThan(900_000);
    expect(average).toBe(full.average); // the VBV headroom goes first, the average stays
    const [lowPeak, lowAverage] = added('BANDWIDTH=900000,AVERAGE-BANDWIDTH=500000');
    expect(lowPeak).toBeLessThan(900_000);
    expect(lowAverage).toBeLessThan(500_000);
    expect(added('BANDWIDTH=5000000')).toEqual([full.peak, full.average]); // room enough: untouched
  });

  it('assumes no audio when CODECS lists none, and a portrait source keeps its shape', () => {
    const text = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001f",RESOLUTION=720x1280\n/i/p.mp4/index_0_av.m3u8\n';
    const result = rewriteMaster(text, options({ ladder: { profiles: { '360p': DEFAULT_LADDER['360p'] }, segmentDuration: 10 } }));
    const rates = derivedBitrates(DEFAULT_LADDER['360p'], 0, 10);
    expect(streamInfs(result.text)[1]).toBe(
      `#EXT-X-STREAM-INF:BANDWIDTH=${rates.peak},CODECS="avc1.4D401E",RESOLUTION=360x640,AVERAGE-BANDWIDTH=${rates.average}`,
    );
  });

  it('adds nothing, saying why, without a RESOLUTION or with every rung present', () => {
    const bare = rewriteMaster(
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001f"\n/i/a.mp4/index_0_av.m3u8\n',
      options({ ladder }),
    );
    expect(bare.ladder).toEqual({ profiles: [], source: null, skipped: expect.stringMatching(/has a RESOLUTION/) });
    expect(streamInfs(bare.text)).toHaveLength(1);
    const small = rewriteMaster(
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=320x180\n/i/a.mp4/index_0_av.m3u8\n',
      options({ ladder }),
    );
    expect(small.ladder?.skipped).toMatch(/no profile below 320x180/);
    expect(rewriteMaster(KALTURA, options()).ladder).toBeUndefined();
  });

  it('each variant of the source (one per audio group) gets the ladder; I-frame variants only for real renditions', () => {
    const text =
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="/x/en.m3u8"\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="b",NAME="fr",URI="/x/fr.m3u8"\n' +
      '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,AUDIO="a"\n/i/a.mp4/index_0_av.m3u8\n' +
      '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,AUDIO="b"\n/i/a.mp4/index_0_av.m3u8\n';
    const trickPlay = new Map([['/i/a.mp4/index_0_av.m3u8', { bitrates: { peak: 1000, average: 500 } }]]);
    const result = rewriteMaster(
      text,
      options({ trickPlay, ladder: { profiles: { '234p': DEFAULT_LADDER['234p'] }, segmentDuration: 10 } }),
    );
    const added = streamInfs(result.text).filter((l) => l.includes('416x234'));
    expect(added.map((l) => /AUDIO="(\w)"/.exec(l)?.[1])).toEqual(['a', 'b']);
    const iframes = parseMasterPlaylist(result.text).variants.filter((v) => v.isIFrameOnly);
    expect(iframes.map((v) => v.uri)).toEqual([`${BASE}/i/a.mp4/kfonly/index_0_av.m3u8`]);
  });

  it("with the origin's measurements: only renditions it read can be the source, and its values are used", () => {
    const known = new Map<string, LadderSourceInfo>([
      [
        '/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8',
        {
          size: { width: 854, height: 480 },
          variants: [
            {
              profile: '360p',
              bandwidth: 555,
              averageBandwidth: 444,
              codecs: ['avc1.4D401E', 'mp4a.40.2'],
              resolution: { width: 640, height: 360 },
            },
          ],
        },
      ],
    ]);
    const result = rewriteMaster(KALTURA, options({ ladder: { ...ladder, known } }));
    expect(result.ladder?.source).toBe('/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8');
    expect(streamInfs(result.text)[1]).toBe(
      '#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=555,RESOLUTION=640x360,AVERAGE-BANDWIDTH=444,CODECS="avc1.4D401E,mp4a.40.2"',
    );
    expect(result.text).toContain(`${BASE}/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1_360p.mp4/index_0_av.m3u8`);
  });
});

describe('chooseLadderSource', () => {
  const sizes: Record<string, { width: number; height: number }> = {
    '/i/a.mp4/index_0_av.m3u8': { width: 1280, height: 720 },
    '/i/b.mp4/index_0_av.m3u8': { width: 1080, height: 1920 }, // portrait: 1080 lines
    '/i/c_720p.mp4/index_0_av.m3u8': { width: 3840, height: 2160 }, // named like a profile: derived
    '/i/d.mp4/iframes.m3u8': { width: 3840, height: 2160 }, // not a rendition's media playlist
    '/i/e.mkv/index_0_av.m3u8': { width: 3840, height: 2160 }, // not a media extension
  };
  it('takes the tallest shorter side among real renditions', () => {
    expect(chooseLadderSource(Object.keys(sizes), (p) => sizes[p] ?? null, { profiles: DEFAULT_LADDER })).toBe('/i/b.mp4/index_0_av.m3u8');
    expect(
      chooseLadderSource(Object.keys(sizes), (p) => sizes[p] ?? null, { profiles: DEFAULT_LADDER, mediaExtensions: ['.mp4', '.mkv'] }),
    ).toBe('/i/e.mkv/index_0_av.m3u8');
    expect(chooseLadderSource(['/i/a.mp4/index_0_av.m3u8'], () => null, { profiles: DEFAULT_LADDER })).toBeNull();
  });
});
