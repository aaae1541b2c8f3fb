import { describe, expect, it } from 'vitest';
import { audioTrack, checkPackageable, parseMp4Info, videoTrack } from '../../../src/lib/packaging/mp4info.js';

// Trimmed `mp4info --format json` (Bento4 1.5.0) output of test/fixtures/media/av.mp4.
const AV = `{
"file":{ "major_brand":"isom", "minor_version":512, "compatible_brands":["isom", "iso2", "avc1", "mp41"] },
"movie":{ "duration_ms":12000, "duration":12000, "time_scale":1000, "fragments":false },
"tracks":[
{ "flags":3, "id":1, "type":"Video", "duration_ms":12000, "language":"und",
  "media":{ "sample_count":300, "timescale":12800, "duration":153600, "duration_ms":12000, "bitrate":197.553 },
  "display_width":320.000000, "display_height":180.000000, "frame_rate":25.000,
  "sample_descriptions":[
{ "coding":"avc1", "coding_name":"H.264", "width":320, "height":180, "codecs_string":"avc1.64000C" }  ]
},
{ "flags":3, "id":2, "type":"Audio", "duration_ms":12000, "language":"und",
  "media":{ "sample_count":564, "timescale":48000, "duration":577024, "duration_ms":12021, "bitrate":48.318 },
  "sample_descriptions":[
{ "coding":"mp4a", "coding_name":"MPEG-4 Audio", "codecs_string": "mp4a.40.2", "mpeg_4_audio_decoder_config":{ "sampling_frequency":48000, "channels":1
, "extension":{ "object_type":5 } }, "sample_rate":48000, "channels":2 }  ]
}]
}`;

// What mp4info prints for a file without moov (test/fixtures/media/truncated.mp4): note the trailing comma.
const NO_MOOV = `{
"file":{
  "major_brand":"isom",
  "minor_version":512,
  "compatible_brands":["isom", "iso2", "avc1", "mp41"]
},
}`;

const OPUS = `{ "movie":{ "duration_ms":2000, "fragments":false }, "tracks":[
{ "id":1, "type":"Audio", "duration_ms":2000, "media":{ "bitrate":32.1 }, "sample_descriptions":[ { "coding":"Opus", "coding_name":"" } ] }]}`;

describe('parseMp4Info', () => {
  it('reads duration, tracks, codecs, size and frame rate', () => {
    const info = parseMp4Info(AV);
    expect(info.durationMs).toBe(12000);
    expect(info.fragmented).toBe(false);
    expect(info.tracks).toEqual([
      {
        id: 1,
        type: 'video',
        codec: 'avc1.64000C',
        codingName: 'avc1',
        durationMs: 12000,
        bitrateKbps: 197.553,
        width: 320,
        height: 180,
        frameRate: 25,
      },
      { id: 2, type: 'audio', codec: 'mp4a.40.2', codingName: 'mp4a', durationMs: 12000, bitrateKbps: 48.318 },
    ]);
  });

  it('tolerates the trailing comma mp4info writes when there is no moov, giving no tracks', () => {
    const info = parseMp4Info(NO_MOOV);
    expect(info.tracks).toEqual([]);
    expect(info.durationMs).toBe(0);
  });

  it('falls back to the coding name when there is no codecs string', () => {
    expect(parseMp4Info(OPUS).tracks[0]).toMatchObject({ type: 'audio', codec: 'Opus', codingName: 'Opus' });
  });

  it('throws BAD_MEDIA for output that is not JSON', () => {
    expect(() => parseMp4Info('ERROR: cannot open input')).toThrow(expect.objectContaining({ code: 'BAD_MEDIA' }));
  });
});

describe('checkPackageable', () => {
  it('accepts H.264 + AAC, audio only and video only', () => {
    const info = parseMp4Info(AV);
    expect(() => checkPackageable(info, 'av.mp4')).not.toThrow();
    expect(() => checkPackageable({ ...info, tracks: [info.tracks[0]] }, 'v.mp4')).not.toThrow();
    expect(() => checkPackageable({ ...info, tracks: [info.tracks[1]] }, 'a.mp4')).not.toThrow();
  });

  it('refuses media with no codec mp42hls can put in MPEG-TS, naming the input and the codec', () => {
    expect(() => checkPackageable(parseMp4Info(OPUS), 'talk.mp4')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_MEDIA', message: expect.stringMatching(/^talk\.mp4: unsupported codec \(Opus\)/) }),
    );
    const vp9 = {
      durationMs: 2000,
      fragmented: false,
      tracks: [{ id: 1, type: 'video' as const, codec: 'vp09.00.10.08', codingName: 'vp09', durationMs: 2000, bitrateKbps: 100 }],
    };
    expect(() => checkPackageable(vp9, 'vp9.mp4')).toThrow(/unsupported codec \(vp09\)/);
  });

  it('refuses a file without tracks or without duration', () => {
    expect(() => checkPackageable(parseMp4Info(NO_MOOV), 't.mp4')).toThrow(/no tracks/);
    const info = parseMp4Info(AV);
    expect(() => checkPackageable({ ...info, durationMs: 0 }, 'z.mp4')).toThrow(expect.objectContaining({ code: 'BAD_MEDIA' }));
  });
});

describe('videoTrack / audioTrack', () => {
  it('pick the first usable track of each kind', () => {
    const info = parseMp4Info(AV);
    expect(videoTrack(info)?.id).toBe(1);
    expect(audioTrack(info)?.id).toBe(2);
    expect(videoTrack(parseMp4Info(OPUS))).toBeUndefined();
    expect(audioTrack(parseMp4Info(OPUS))).toBeUndefined();
  });
});
