import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LADDER, ladder, type LadderProfile } from '../../../src/lib/config/ladder.js';
import {
  ASSUMED_PES_RATES,
  derivedBitrates,
  derivedNameOf,
  derivedPath,
  encodeArgs,
  h264Codec,
  pesRatesOf,
  profilesBelow,
  targetSize,
  uprightSize,
} from '../../../src/lib/renditions/ladder-plan.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { FFMPEG } from './helpers/media-probe.js';

const profile = (height: number, extra: Record<string, unknown> = {}): LadderProfile =>
  ladder({ p: { height, videoBitrate: '1000k', ...extra } }).p;

describe('derivedNameOf and derivedPath', () => {
  it('splits <name>_<profile>.<ext> into the source and the profile, and builds it back', () => {
    for (const [derived, source, name] of [
      ['film_720p.mp4', 'film.mp4', '720p'],
      ['dir/sub/my_film_360p.mp4', 'dir/sub/my_film.mp4', '360p'],
      ['v1.2/clip_234p.m4v', 'v1.2/clip.m4v', '234p'],
    ]) {
      const parsed = derivedNameOf(derived, DEFAULT_LADDER);
      expect(parsed, derived).toEqual({ sourcePath: source, profileName: name, profile: DEFAULT_LADDER[name] });
      expect(derivedPath(source, name)).toBe(derived);
    }
  });

  it('refuses names that are not a ladder profile of a source', () => {
    for (const name of [
      'film.mp4',
      'film_999p.mp4',
      '_720p.mp4',
      'dir/_720p.mp4',
      'film_720p',
      'film_toString.mp4',
      'film_constructor.mp4',
      'film_720p.mp4/x',
      'film_72 0p.mp4',
    ]) {
      expect(derivedNameOf(name, DEFAULT_LADDER), name).toBeNull();
    }
  });

  it('derivedPath refuses a profile name that would make another path, and never puts the suffix in a directory', () => {
    for (const bad of ['', 'a/b', '..', 'x_y', 'a.b']) expect(() => derivedPath('film.mp4', bad), bad).toThrow(RangeError);
    expect(derivedPath('v1.2/film', '720p')).toBe('v1.2/film_720p');
  });
});

describe('picture sizes', () => {
  it('uprightSize swaps width and height for a quarter turn', () => {
    expect(uprightSize({ width: 1920, height: 1080 })).toEqual({ width: 1920, height: 1080 });
    expect(uprightSize({ width: 1920, height: 1080, quarterTurn: true })).toEqual({ width: 1080, height: 1920 });
    expect(uprightSize({ width: 0, height: 1080 })).toBeNull();
  });

  it('targetSize puts the profile height on the shorter side, landscape and portrait', () => {
    expect(targetSize({ width: 1920, height: 1080 }, profile(720))).toEqual({ width: 1280, height: 720 });
    expect(targetSize({ width: 1080, height: 1920 }, profile(720))).toEqual({ width: 720, height: 1280 });
    expect(targetSize({ width: 640, height: 480 }, profile(360))).toEqual({ width: 480, height: 360 });
    expect(targetSize({ width: 854, height: 480 }, profile(234))).toEqual({ width: 416, height: 234 });
    expect(targetSize({ width: 320, height: 180 }, profile(180))).toEqual({ width: 320, height: 180 });
    expect(targetSize({ width: 320, height: 180 }, profile(234))).toBeNull();
    expect(targetSize({ width: 853, height: 480 }, profile(480))).toEqual({ width: 852, height: 480 }); // not 854: wider than the source
  });

  it('targetSize never upscales, keeps even sizes and the aspect ratio within rounding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4096 }),
        fc.integer({ min: 2, max: 4096 }),
        fc.integer({ min: 32, max: 2160 }),
        (width, height, half) => {
          const size = targetSize({ width, height }, profile(2 * half));
          if (2 * half > Math.min(width, height)) return size === null;
          expect(size).not.toBeNull();
          const { width: w, height: h } = size!;
          expect(w <= width && h <= height && w % 2 === 0 && h % 2 === 0).toBe(true);
          expect(Math.min(w, h)).toBe(2 * half);
          expect(w >= h).toBe(width >= height || w === h);
          // The longer side is within 2 pixels of the exact aspect (rounding to even, or down to the source).
          const exact = (Math.max(width, height) * 2 * half) / Math.min(width, height);
          expect(Math.abs(Math.max(w, h) - exact)).toBeLessThanOrEqual(2);
          return true;
        },
      ),
    );
  });

  it('profilesBelow lists the profiles shorter than the source, tallest first', () => {
    expect(profilesBelow(DEFAULT_LADDER, { width: 1280, height: 720 })).toEqual(['540p', '360p', '234p']);
    expect(profilesBelow(DEFAULT_LADDER, { width: 720, height: 1280 })).toEqual(['540p', '360p', '234p']);
    expect(profilesBelow(DEFAULT_LADDER, { width: 3840, height: 2160 })).toEqual(['1080p', '720p', '540p', '360p', '234p']);
    expect(profilesBelow(DEFAULT_LADDER, { width: 320, height: 180 })).toEqual([]);
    const same = ladder({ lo: { height: 360, videoBitrate: '500k' }, hi: { height: 360, videoBitrate: '900k' } });
    expect(profilesBelow(same, { width: 1280, height: 720 })).toEqual(['hi', 'lo']);
  });
});

describe('h264Codec', () => {
  it('names what x264 writes in avcC (profile_idc, constraint flags, level_idc), checked on real encodes', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.mp4');
    await promisify(execFile)(FFMPEG, [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x64:rate=5',
      '-t',
      '0.4',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      input,
    ]);
    const cases = [
      profile(64, { profile: 'baseline', level: '3.0' }),
      profile(64, { profile: 'main', level: '3.1' }),
      profile(64, { profile: 'high', level: '4.0' }),
      profile(64, { profile: 'main', level: '1b' }),
      profile(64, { profile: 'high', level: '1b' }),
      profile(64, { profile: 'high', level: '3.1', preset: 'ultrafast' }),
      profile(64, { profile: 'main', level: '2.1', preset: 'slow' }),
    ];
    const outputs = cases.map((p, i) => ({ profile: p, size: { width: 64, height: 64 }, file: path.join(dir, `out${i}.mp4`) }));
    await promisify(execFile)(FFMPEG, encodeArgs(input, outputs));
    for (const [i, o] of outputs.entries()) {
      const bytes = readFileSync(o.file);
      const at = bytes.indexOf('avcC') + 4; // AVCDecoderConfigurationRecord: version, profile, compatibility, level
      const written = bytes
        .subarray(at + 1, at + 4)
        .toString('hex')
        .toUpperCase();
      expect(h264Codec(cases[i]), `${cases[i].profile} ${cases[i].level} ${cases[i].preset}`).toBe(`avc1.${written}`);
    }
  });

  it('gives the default ladder codecs', () => {
    expect(Object.values(DEFAULT_LADDER).map(h264Codec)).toEqual([
      'avc1.640028',
      'avc1.64001F',
      'avc1.64001F',
      'avc1.4D401E',
      'avc1.42C01E',
    ]);
  });
});

describe('derivedBitrates', () => {
  const p = profile(144, { videoBitrate: '150k' }); // maxRate 180k, bufSize 360k

  it('counts MPEG-TS packets per PES: one 188-byte packet per small AAC frame, half a packet of stuffing per video frame', () => {
    const rates = derivedBitrates(p, 48_000, 4, { video: 25, audio: 46.875 });
    // Video: 750 + 19 bytes a frame → 4.68 packets × 188 × 8 × 25; audio: 128 + 14 bytes → 1
    // packet × 46.875; PAT, PMT and 15 counter packets a segment.
    const video = (769 / 184 + 0.5) * 188 * 8 * 25;
    const audio = 188 * 8 * 46.875;
    expect(rates.average).toBe(Math.ceil(video + audio + (17 * 188 * 8) / 4));
    const peakVideo = ((270_000 / 8 / 25 + 19) / 184 + 0.5) * 188 * 8 * 25; // maxRate + bufSize / 4 s
    expect(rates.peak).toBe(Math.ceil(peakVideo + audio + (32 * 188 * 8) / 4));
  });

  it('grows with the audio, shrinks with longer segments, and without audio counts only the video', () => {
    const base = derivedBitrates(p, 48_000, 4);
    expect(derivedBitrates(p, 128_000, 4).average).toBeGreaterThan(base.average);
    expect(derivedBitrates(p, 48_000, 10).peak).toBeLessThan(base.peak);
    const silent = derivedBitrates(p, 0, 4);
    expect(silent.average).toBeLessThan(base.average - 48_000);
    expect(silent.peak).toBeGreaterThan(silent.average);
    expect(derivedBitrates(p, 48_000, 4, ASSUMED_PES_RATES)).toEqual(base);
  });

  it('pesRatesOf reads frames per second of the first video and audio tracks, assuming rates for missing ones', () => {
    const track = (handler: string, count: number, seconds: number) => ({
      handler,
      timescale: 1000,
      mediaDuration: seconds * 1000,
      samples: { count },
    });
    expect(pesRatesOf([track('vide', 250, 10), track('soun', 469, 10)])).toEqual({ video: 25, audio: 46.9 });
    expect(pesRatesOf([track('vide', 0, 0)])).toEqual(ASSUMED_PES_RATES);
  });
});
