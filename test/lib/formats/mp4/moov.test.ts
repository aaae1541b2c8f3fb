// parseMoov against Bento4's own reading of the same files: `mp4info --show-samples --verbose`
// for every sample (size, duration, offset, dts, cts, sync, description) and `mp4info --format json`
// for the codec details a master playlist needs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Mp4FormatError } from '../../../../src/lib/formats/mp4/errors.js';
import { parseMoov, type Track } from '../../../../src/lib/formats/mp4/moov.js';
import { planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { MP42HLS, PLAYABLE, media, readMoov } from '../helpers/mp42hls-oracle.js';

const MP4INFO = path.join(path.dirname(MP42HLS), 'mp4info');
const ALL_PARSABLE = [...PLAYABLE, 'opus.mp4', 'vp9.mp4'];

interface InfoSample {
  size: number;
  duration: number;
  offset: number;
  dts: number;
  cts: number;
  desc: number;
  sync: boolean;
}

// Per track, the sample lines mp4info prints.
function mp4infoSamples(file: string): InfoSample[][] {
  const text = execFileSync(MP4INFO, ['--show-samples', '--verbose', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line =
    /^\[\d+\] size=\s*(\d+) duration=\s*(\d+) \([^)]*\) offset=\s*(\d+) dts=\s*(\d+) \([^)]*\) cts=\s*(\d+) \([^)]*\) \[(\d+)\] (\[S\])?/;
  return text
    .split(/^Track \d+:$/m)
    .slice(1)
    .map((section) =>
      section.split('\n').flatMap((l) => {
        const m = line.exec(l);
        return m ? [{ size: +m[1], duration: +m[2], offset: +m[3], dts: +m[4], cts: +m[5], desc: +m[6], sync: m[7] !== undefined }] : [];
      }),
    );
}

function ours(track: Track): InfoSample[] {
  const s = track.samples;
  return Array.from({ length: s.count }, (_, i) => ({
    size: s.sizes[i],
    duration: s.durations[i],
    offset: s.offsets[i],
    dts: s.decodeTimes[i],
    cts: s.decodeTimes[i] + s.compositionOffsets[i],
    desc: s.sampleDescriptionIndexes[0] - 1,
    sync: s.sync[i] === 1,
  }));
}

describe('parseMoov', () => {
  it.each(ALL_PARSABLE)('%s: every sample as mp4info reads it', async (name) => {
    const movie = parseMoov(await readMoov(media(name)));
    const expected = mp4infoSamples(media(name));
    expect(movie.tracks.length).toBe(expected.length);
    movie.tracks.forEach((track, t) => {
      expect(track.samples.count).toBeGreaterThan(0);
      expect(ours(track)).toEqual(expected[t]);
    });
  });

  it.each(ALL_PARSABLE)('%s: movie, track and codec details as mp4info reports them', async (name) => {
    const movie = parseMoov(await readMoov(media(name)));
    const info = JSON.parse(execFileSync(MP4INFO, ['--format', 'json', media(name)], { encoding: 'utf8' }));
    expect(movie.timescale).toBe(info.movie.time_scale);
    expect(movie.duration).toBe(info.movie.duration);
    expect(movie.fragmented).toBe(info.movie.fragments);
    movie.tracks.forEach((track, t) => {
      const it = info.tracks[t];
      const desc = it.sample_descriptions[0];
      expect(track.id).toBe(it.id);
      expect(track.timescale).toBe(it.media.timescale);
      expect(track.mediaDuration).toBe(it.media.duration);
      expect(track.samples.count).toBe(it.media.sample_count);
      expect({ Video: 'vide', Audio: 'soun' }[it.type as string] ?? track.handler).toBe(track.handler);
      expect(track.format).toBe(desc.coding);
      if (it.type === 'Video') {
        expect([track.width, track.height]).toEqual([Math.trunc(it.display_width), Math.trunc(it.display_height)]);
      }
      if (desc.avc_profile !== undefined) {
        expect([track.avc!.profile, track.avc!.profileCompatibility, track.avc!.level]).toEqual([
          desc.avc_profile,
          desc.avc_profile_compat,
          desc.avc_level,
        ]);
        expect(track.avc!.nalUnitLengthSize).toBe(desc.avc_nalu_length_size);
      }
      if (desc.hevc_profile !== undefined) {
        const h = track.hevc!;
        expect([h.profileSpace, h.tier, h.profile, h.profileCompatibility, h.level]).toEqual([
          desc.hevc_profile_space,
          desc.hevc_tier,
          desc.hevc_profile,
          desc.hevc_profile_compat,
          desc.hevc_level,
        ]);
        expect(Number(Buffer.from(h.constraints).readUIntBE(0, 6))).toBe(desc.hevc_constraints);
      }
      if (desc.object_type !== undefined) {
        expect(track.esds!.objectTypeIndication).toBe(desc.object_type);
        expect(track.esds!.audioObjectType).toBe(desc.mpeg_4_audio_object_type);
        expect(track.esds!.samplingFrequency).toBe(desc.mpeg_4_audio_decoder_config.sampling_frequency);
        expect(track.esds!.channelConfiguration).toBe(desc.mpeg_4_audio_decoder_config.channels);
        expect(track.sampleRate).toBe(desc.sample_rate);
        expect(track.channelCount).toBe(desc.channels);
      }
    });
  });

  it('throws Mp4FormatError on every truncation of a moov, never anything else', async () => {
    const moov = await readMoov(media('av.mp4'));
    const step = Math.max(1, Math.floor(moov.length / 400));
    for (let cut = 0; cut < moov.length; cut += step) {
      expect(() => parseMoov(moov.subarray(0, cut)), `cut at ${cut}`).toThrow(Mp4FormatError);
      // The same prefix presented as a complete (shorter) moov: inner boxes now overrun it.
      const lying = Uint8Array.from(moov.subarray(0, Math.max(cut, 8)));
      new DataView(lying.buffer).setUint32(0, lying.length);
      expect(() => parseMoov(lying), `resized at ${cut}`).toThrow(Mp4FormatError);
    }
  });

  it.each(['moov-at-end.mp4', 'video-only.mp4', 'audio-only.mp4'])(
    '%s: corrupted moovs parse and plan, or throw Mp4FormatError',
    async (name) => {
      const moov = await readMoov(media(name));
      let seed = 12345;
      const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
      for (let round = 0; round < 300; round++) {
        const copy = Uint8Array.from(moov);
        for (let k = 0; k < 4; k++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
        try {
          planSegments(parseMoov(copy), 2);
        } catch (error) {
          expect(error, `round ${round}: ${String(error)}`).toBeInstanceOf(Mp4FormatError);
        }
      }
    },
  );

  it('refuses what is not a moov', () => {
    expect(() => parseMoov(new Uint8Array(0))).toThrow(Mp4FormatError);
    expect(() => parseMoov(Uint8Array.from([0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65]))).toThrow(/expected a 'moov'/);
  });
});
