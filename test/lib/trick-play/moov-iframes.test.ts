// The I-frame playlist from the moov (trick-play/moov-iframes.ts) against the one the key-frame scan
// makes of the real segments (iframe-playlist-maker.ts): the same text, byte for byte, on the
// fixtures and the upload corpus (test/fixtures/make-corpus.sh: B-frames, open GOP, long GOP,
// all-intra, 10-bit, HEVC, audio first, AC-3, negative composition offsets, stream-copy cuts);
// and through serve: a cold kfonly makes no segment, and equals what the scan path serves.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_PLAYLIST, segmentName } from '../../../src/lib/cache/names.js';
import { parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { parseMoov } from '../../../src/lib/formats/mp4/moov.js';
import { onPresentationTimeline } from '../../../src/lib/formats/mp4/timeline/presentation.js';
import { samplesToRead } from '../../../src/lib/formats/mp42hls/iframe-ranges.js';
import { planSegments } from '../../../src/lib/formats/mp42hls/segment-plan.js';
import { normaliseContinuity } from '../../../src/lib/formats/mpegts/continuity.js';
import { scanKeyFrames } from '../../../src/lib/formats/mpegts/keyframes.js';
import { buildMediaPlaylist } from '../../../src/lib/packaging/media-playlist.js';
import { openLocalSource } from '../../../src/lib/packaging/source/source-reader.js';
import { createIFramePlaylist, fileLoader } from '../../../src/lib/trick-play/iframe-playlist-maker.js';
import { iframePlaylistFromPlan, predictable, readSampleHeads } from '../../../src/lib/trick-play/moov-iframes.js';
import { REAL_BIN_DIR, REPO_DIR } from '../../helpers/bento4.js';
import { startOrigin } from '../../helpers/origin.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { media, mp42hls, readMoov } from '../formats/helpers/mp42hls-oracle.js';

const FIXTURES = ['av.mp4', 'av-2997.mp4', 'av-no-bframes.mp4', 'video-only.mp4', 'hevc.mp4'];
const CORPUS = ['bframes-editlist.mp4', 'open-gop.mp4', 'long-gop.mp4', 'all-intra.mp4', 'h264-10bit.mp4', 'audio-first.mp4', 'ac3.mp4'];
const CORPUS_TOO = ['negative-cts.mp4', 'cut-copy.mp4', 'vfr.mp4', 'fps60-audio8k.mp4'];
const CASES = [...FIXTURES, ...CORPUS, ...CORPUS_TOO].flatMap((name) => [1, 2, 6].map((d) => [name, d] as const));

let corpus = '';
beforeAll(() => {
  corpus = mkdtempSync(path.join(os.tmpdir(), 'casterpak-corpus-'));
  execFileSync('bash', [path.join(REPO_DIR, 'test/fixtures/make-corpus.sh'), corpus], { stdio: 'ignore', timeout: 120_000 });
  // Four slices a picture: four NAL units a sample, which the moov does not tell.
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '4', '-c:v', 'libx264', '-g', '25'];
  execFileSync('ffmpeg', [...args, '-x264-params', 'slices=4', path.join(corpus, 'slices.mp4')], { timeout: 60_000 });
}, 150_000);
afterAll(() => rmSync(corpus, { recursive: true, force: true }));

const fileOf = (name: string): string => (FIXTURES.includes(name) ? media(name) : path.join(corpus, name));
// Whether the source's edit lists move its samples (formats/mp4/timeline/presentation.ts).
const timelineMoves = async (file: string): Promise<boolean> => {
  const movie = parseMoov(await readMoov(file));
  return onPresentationTimeline(movie) !== movie;
};

describe('iframePlaylistFromPlan: the scan’s I-frame playlist, without a segment', () => {
  it.each(CASES)('%s at %i s: the same text as the scan of the normalised segments', async (name, duration) => {
    const file = fileOf(name);
    const [moov, run] = await Promise.all([readMoov(file), mp42hls(file, duration)]);
    const plan = planSegments(parseMoov(moov), duration);
    const dir = tempDir();
    run.segments.forEach((ts, i) => writeFileSync(path.join(dir, segmentName(i + 1)), normaliseContinuity(ts, i)));
    const text = buildMediaPlaylist(run.extinfs.map(Number), { segmentBaseUrl: null });
    writeFileSync(path.join(dir, INDEX_PLAYLIST), text);
    const url = pathToFileURL(path.join(dir, INDEX_PLAYLIST));
    const scanned = await createIFramePlaylist(url, fileLoader());

    const reader = await openLocalSource(file, name);
    const wanted = samplesToRead(plan)!;
    const heads = await readSampleHeads(reader, wanted).finally(() => reader.close());
    const predicted = iframePlaylistFromPlan(text, url, plan, heads);
    expect(scanned.keyFrames).toBeGreaterThan(0);
    expect(predictable(wanted, heads)).toBe(true);
    expect(predicted).toBe(scanned.playlist);
  });
});

describe('serve: kfonly from the moov', () => {
  it('a cold I-frame playlist makes no segment, equals the scan path’s, and its ranges are key frames', async () => {
    const names = ['av.mp4', 'hevc.mp4', 'open-gop.mp4', 'slices.mp4'];
    const t = await startOrigin({ 'av.mp4': 'av.mp4', 'hevc.mp4': 'hevc.mp4' });
    // The same Bento4 by another path is not the pinned one: whole-file runs, then the scan.
    const binDir = tempDir('casterpak-bento4-');
    for (const name of readdirSync(REAL_BIN_DIR)) symlinkSync(path.join(REAL_BIN_DIR, name), path.join(binDir, name));
    const scanning = await startOrigin({ 'av.mp4': 'av.mp4', 'hevc.mp4': 'hevc.mp4' }, { bento4: { binDir } });
    for (const origin of [t, scanning])
      for (const name of ['open-gop.mp4', 'slices.mp4']) copyFileSync(fileOf(name), path.join(origin.sourceRoot, name));
    for (const name of names) {
      const kfonly = await t.get(`/i/${name}/kfonly/index_0_av.m3u8`);
      const text = await kfonly.text();
      expect(kfonly.status, text).toBe(200);
      expect(kfonly.headers.get('x-casterpak-cache')).toBe('MISS');
      // Several slices a picture: not predicted, every segment made and scanned.
      const made = readdirSync(path.join(t.cacheDir, name)).filter((f) => f.endsWith('.ts'));
      const segments = parseMediaPlaylist(await (await t.get(`/i/${name}/index_0_av.m3u8`)).text()).segments.length;
      expect(made.length, name).toBe(name === 'slices.mp4' ? segments : 0);
      // The scan of this origin's own segments (on the source's presentation timeline, which the
      // scanning origin's whole-file runs of the file as stored do not move) says the same.
      for (const segment of parseMediaPlaylist(await (await t.get(`/i/${name}/index_0_av.m3u8`)).text()).segments)
        expect((await t.get(`/i/${name}/${segment.uri}`)).status).toBe(200);
      rmSync(path.join(t.cacheDir, name, 'kfonly'), { recursive: true });
      const source = path.join(t.sourceRoot, name);
      renameSync(source, `${source}.away`); // the scan answers when the source cannot be read
      expect(await (await t.get(`/i/${name}/kfonly/index_0_av.m3u8`)).text()).toBe(text);
      renameSync(`${source}.away`, source);
      if (!(await timelineMoves(fileOf(name)))) expect(text).toBe(await (await scanning.get(`/i/${name}/kfonly/index_0_av.m3u8`)).text());
      // What the status page's thumbnails do: each range alone, its segment made on demand.
      for (const entry of parseMediaPlaylist(text).segments) {
        const { offset, length } = entry.byterange!;
        const ranged = await t.get(`/i/${name}/${entry.uri.slice(3)}`, { range: `bytes=${offset}-${offset! + length - 1}` });
        expect(ranged.status).toBe(206);
        const bytes = new Uint8Array(await ranged.arrayBuffer());
        const whole = new Uint8Array(await (await t.get(`/i/${name}/${entry.uri.slice(3)}`)).arrayBuffer());
        const scan = scanKeyFrames(whole, entry.uri);
        expect(scan.keyFrames.some((k) => k.offset === offset && k.size === length)).toBe(true);
        expect(bytes).toEqual(whole.subarray(offset!, offset! + length));
      }
    }
  }, 120_000);

  it('a source gone since its segments were cached: the scan of the cached segments answers', async () => {
    const t = await startOrigin({ 'av.mp4': 'av.mp4' });
    const predicted = await (await t.get('/i/av.mp4/kfonly/index_0_av.m3u8')).text();
    const playlist = parseMediaPlaylist(await (await t.get('/i/av.mp4/index_0_av.m3u8')).text());
    for (const segment of playlist.segments) expect((await t.get(`/i/av.mp4/${segment.uri}`)).status).toBe(200);
    rmSync(path.join(t.cacheDir, 'av.mp4/kfonly'), { recursive: true });
    rmSync(path.join(t.sourceRoot, 'av.mp4'));
    const scanned = await t.get('/i/av.mp4/kfonly/index_0_av.m3u8');
    expect(scanned.status).toBe(200);
    expect(await scanned.text()).toBe(predicted);
  });
});
