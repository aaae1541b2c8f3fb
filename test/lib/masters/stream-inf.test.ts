import { describe, expect, it } from 'vitest';
import { parseMasterPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { parseAttributes } from '../../../src/lib/formats/hls/playlist-lines.js';
import { iframeStreamInfLine, streamInfLine, streamInfOver } from '../../../src/lib/masters/stream-inf.js';

describe('iframeStreamInfLine (RFC 8216 §4.3.4.3)', () => {
  it('writes every attribute, quoted where the RFC says so', () => {
    expect(
      iframeStreamInfLine({
        bandwidth: 123456.4,
        averageBandwidth: 65432,
        codecs: 'avc1.64001f',
        resolution: { width: 1280, height: 720 },
        uri: 'kfonly/index_0_av.m3u8',
      }),
    ).toBe(
      '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=123456,AVERAGE-BANDWIDTH=65432,CODECS="avc1.64001f",RESOLUTION=1280x720,URI="kfonly/index_0_av.m3u8"',
    );
  });

  it('omits optional attributes and parses as an I-frame variant', () => {
    const line = iframeStreamInfLine({ bandwidth: 1000, uri: 'kfonly/a.m3u8' });
    expect(line).toBe('#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="kfonly/a.m3u8"');
    const master = parseMasterPlaylist(['#EXTM3U', '#EXT-X-STREAM-INF:BANDWIDTH=2000', 'a.m3u8', line, ''].join('\n'));
    const iframe = master.variants.find((v) => v.isIFrameOnly);
    expect(iframe?.uri).toBe('kfonly/a.m3u8');
    expect(iframe?.bandwidth).toBe(1000);
  });
});

describe('streamInfLine (RFC 8216 §4.3.4.2)', () => {
  it('writes every attribute in the RFC order, rounded and quoted where the RFC says so', () => {
    expect(
      streamInfLine({
        bandwidth: 2_000_000.6,
        averageBandwidth: 1_500_000.2,
        codecs: 'avc1.64001f,mp4a.40.2',
        resolution: { width: 1280, height: 720 },
        frameRate: 25,
        closedCaptions: 'NONE',
      }),
    ).toBe(
      '#EXT-X-STREAM-INF:BANDWIDTH=2000001,AVERAGE-BANDWIDTH=1500000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000,CLOSED-CAPTIONS=NONE',
    );
  });

  it('leaves out what is not known: no average, empty codecs, no picture, a zero frame rate', () => {
    const line = streamInfLine({ bandwidth: 128_000, codecs: '', frameRate: 0 });
    expect(line).toBe('#EXT-X-STREAM-INF:BANDWIDTH=128000');
    const master = parseMasterPlaylist(['#EXTM3U', line, 'a.m3u8', ''].join('\n'));
    expect(master.variants[0]?.bandwidth).toBe(128_000);
  });
});

describe('streamInfOver: the attributes of another variant, with new values', () => {
  const source = parseAttributes(
    'BANDWIDTH=5000000,AVERAGE-BANDWIDTH=4000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080,FRAME-RATE=25.000,AUDIO="aac",STABLE-VARIANT-ID="hd"',
  );
  const replaced = ['BANDWIDTH', 'AVERAGE-BANDWIDTH', 'CODECS', 'RESOLUTION'];

  it('puts the new values in place and keeps the rest where they were, less the ones not copied', () => {
    const line = streamInfOver(
      source,
      { bandwidth: 900_000, averageBandwidth: 800_000, codecs: 'avc1.4d401e,mp4a.40.2', resolution: { width: 640, height: 360 } },
      replaced,
      new Set(['STABLE-VARIANT-ID']),
    );
    expect(line).toBe(
      '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO="aac"',
    );
  });

  it('drops a replaced attribute it has no value for, and appends the ones the source lacks', () => {
    const bare = parseAttributes('BANDWIDTH=5000000,CODECS="avc1.640028",AUDIO="aac"');
    const line = streamInfOver(bare, { bandwidth: 900_000, averageBandwidth: 800_000, resolution: { width: 640, height: 360 } }, replaced);
    expect(line).toBe('#EXT-X-STREAM-INF:BANDWIDTH=900000,AUDIO="aac",AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360');
  });
});
