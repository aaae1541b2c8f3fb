// A rendition from the source's moov alone: the reading (checked, planned, and whether every
// segment can be made alone) and the run directory it writes (playlist, info, segment index).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheLayout } from '../../../src/lib/cache/names.js';
import { predictSegmentBytes } from '../../../src/lib/formats/mp42hls/segment-size.js';
import { moovRendition, readSourceMoov, type MoovJob } from '../../../src/lib/packaging/moov-rendition.js';
import { encodeSegmentIndex } from '../../../src/lib/packaging/index/segment-index.js';
import { openLocalSource, type SourceReader } from '../../../src/lib/packaging/source/source-reader.js';
import { media } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';

const FFMPEG: string = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;

async function withSource<T>(file: string, work: (source: SourceReader) => Promise<T>): Promise<T> {
  const source = await openLocalSource(file, path.basename(file));
  try {
    return await work(source);
  } finally {
    await source.close();
  }
}

function job(source: SourceReader, overrides: Partial<MoovJob> = {}): MoovJob {
  return {
    layout: cacheLayout(tempDir('casterpak-cache-')),
    renditionPath: 'show/av.mp4',
    source,
    segmentDuration: 2,
    publicBaseUrl: null,
    ...overrides,
  };
}

describe('readSourceMoov', () => {
  it('reads, checks and plans a source whose every segment can be made alone', async () => {
    const reading = await withSource(media('av.mp4'), (source) => readSourceMoov(job(source)));
    expect(reading.wholeFileBecause).toBeNull();
    expect(reading.identity.size).toBe(statSync(media('av.mp4')).size);
    expect(reading.plan.segmentDuration).toBe(2);
    expect(reading.plan.segments.length).toBeGreaterThan(1);
    expect(reading.media.tracks.map((t) => t.type).sort()).toEqual(['audio', 'video']);
  });

  it('says why a fragmented MP4 needs a whole-file run', async () => {
    const file = path.join(tempDir(), 'fragmented.mp4');
    execFileSync(FFMPEG, ['-loglevel', 'error', '-i', media('av.mp4'), '-c', 'copy', '-movflags', 'frag_keyframe', file]);
    const reading = await withSource(file, (source) => readSourceMoov(job(source)));
    expect(reading.wholeFileBecause).toBe('a fragmented MP4');
  });

  it.each([
    ['truncated.mp4', 'BAD_MEDIA'],
    ['not-an-mp4.mp4', 'BAD_MEDIA'],
    ['vp9.mp4', 'UNSUPPORTED_MEDIA'],
  ])('refuses %s as %s', async (name, code) => {
    await expect(withSource(media(name), (source) => readSourceMoov(job(source)))).rejects.toMatchObject({ code });
  });
});

describe('moovRendition', () => {
  it("writes the playlist, the info (with the source's size and mtime) and the index into a run directory", async () => {
    const file = media('av.mp4');
    const { tmp, info, reading, layout } = await withSource(file, async (source) => {
      const moovJob = job(source);
      const read = await readSourceMoov(moovJob);
      return { ...(await moovRendition(moovJob, read)), reading: read, layout: moovJob.layout };
    });
    expect(path.dirname(tmp)).toBe(layout.tmpDir());
    expect(readdirSync(tmp).sort()).toEqual(['.rendition.json', '.segments.idx', 'index_0_av.m3u8']);
    const stat = statSync(file);
    expect(info.source).toEqual({ size: stat.size, mtimeMs: stat.mtimeMs });
    expect(info.renditionPath).toBe('show/av.mp4');
    expect(info.segments).toBe(reading.plan.segments.length);
    expect(info.bytes).toBe(reading.plan.segments.reduce((sum, _, i) => sum + predictSegmentBytes(reading.plan, i), 0));
    expect(info.peakBitrate).toBeGreaterThanOrEqual(info.averageBitrate);
    expect(info.iframeBitrate?.peak).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(path.join(tmp, '.rendition.json'), 'utf8'))).toEqual(info);
    const playlist = readFileSync(path.join(tmp, 'index_0_av.m3u8'), 'utf8');
    const extinfs = [...playlist.matchAll(/^#EXTINF:([\d.]+),$/gm)].map((m) => Number(m[1]));
    expect(extinfs).toEqual(reading.plan.segments.map((s) => Math.round(Number(s.extinf) * 1000) / 1000));
    expect(playlist).toContain('\nsegment1_0_av.ts\n');
    const index = encodeSegmentIndex(reading.moov, reading.movie, reading.plan, { size: stat.size, version: reading.identity.version });
    expect(readFileSync(path.join(tmp, '.segments.idx')).equals(Buffer.from(index))).toBe(true);
  });

  it('writes absolute segment URIs with a public base URL, and the info `describe` gives', async () => {
    const { tmp, info } = await withSource(media('av.mp4'), async (source) => {
      const moovJob = job(source, { publicBaseUrl: 'https://cdn.example' });
      return moovRendition(moovJob, await readSourceMoov(moovJob), {
        describe: (base) => ({ ...base, derived: { profile: '90p', source: 'x.mp4' } }),
      });
    });
    expect(readFileSync(path.join(tmp, 'index_0_av.m3u8'), 'utf8')).toContain('\nhttps://cdn.example/i/show/av.mp4/segment1_0_av.ts\n');
    expect(info.derived).toEqual({ profile: '90p', source: 'x.mp4' });
    expect(JSON.parse(readFileSync(path.join(tmp, '.rendition.json'), 'utf8'))).toEqual(info);
  });
});
