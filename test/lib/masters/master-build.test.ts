import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { buildMaster, mpegTsCodec, type MasterVariant } from '../../../src/lib/masters/master-build.js';
import { rewriteMaster } from '../../../src/lib/masters/master-rewrite.js';

const variant = (overrides: Partial<MasterVariant> = {}): MasterVariant => ({
  uri: 'index_0_av.m3u8',
  bandwidth: 900_000,
  averageBandwidth: 700_000,
  codecs: ['avc1.64001F', 'mp4a.40.2'],
  resolution: { width: 1280, height: 720 },
  frameRate: 25,
  iframe: {
    bandwidth: 90_000,
    averageBandwidth: 60_000,
    codecs: 'avc1.64001F',
    resolution: { width: 1280, height: 720 },
    uri: 'kfonly/index_0_av.m3u8',
  },
  ...overrides,
});

describe('buildMaster', () => {
  it('says CLOSED-CAPTIONS=NONE on every EXT-X-STREAM-INF (casterpak writes no caption rendition), not on I-frame streams', () => {
    const text = buildMaster([
      variant(),
      variant({
        uri: '../b/index_0_av.m3u8',
        bandwidth: 400_000,
        codecs: ['mp4a.40.2'],
        iframe: undefined,
        resolution: undefined,
        frameRate: undefined,
      }),
    ]);
    const streamInfs = text.split('\n').filter((line) => line.startsWith('#EXT-X-STREAM-INF:'));
    expect(streamInfs).toHaveLength(2);
    for (const line of streamInfs) expect(line).toMatch(/,CLOSED-CAPTIONS=NONE$/);
    expect(text).toMatch(/^#EXT-X-I-FRAME-STREAM-INF:(?!.*CLOSED-CAPTIONS).*$/m);
    const master = parseMasterPlaylist(text);
    for (const v of master.variants.filter((v) => !v.isIFrameOnly)) expect(v.closedCaptions).toEqual([]);
  });

  it('leaves a third-party master alone: rewrite-master adds no CLOSED-CAPTIONS', () => {
    const text = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=2x2\n/i/v.mp4/index_0_av.m3u8\n';
    const rewritten = rewriteMaster(text, {
      masterUrl: new URL('https://cdn.example/m.m3u8'),
      baseUrl: 'https://origin.example',
      pathPatterns: [],
      hosts: [],
      source: 'm',
    });
    expect(rewritten.text).not.toContain('CLOSED-CAPTIONS');
  });
});

describe('mpegTsCodec: what the TS carries, not the source sample entry', () => {
  it('HEVC is hvc1 and AVC avc1, whichever sample entry the MP4 had; other codecs are kept', () => {
    expect(['hev1.1.6.L93.B0', 'hvc1.1.6.L93.B0', 'avc3.640028', 'avc1.640028', 'mp4a.40.2', 'ac-3', 'hev1'].map(mpegTsCodec)).toEqual([
      'hvc1.1.6.L93.B0',
      'hvc1.1.6.L93.B0',
      'avc1.640028',
      'avc1.640028',
      'mp4a.40.2',
      'ac-3',
      'hvc1',
    ]);
  });
});
