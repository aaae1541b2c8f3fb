import { cpSync, existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultKfonlyOutput, kfonlyCommand, runKfonly } from '../../src/commands/kfonly.js';
import { CasterpakError } from '../../src/lib/shared/errors.js';
import { parseMediaPlaylist } from '../../src/lib/formats/hls/codec.js';
import { raiseTargetDuration } from '../../src/lib/formats/hls/target-duration.js';
import { buildMediaPlaylist } from '../../src/lib/packaging/media-playlist.js';
import { INDEX_PLAYLIST, segmentName } from '../../src/lib/cache/names.js';
import { REPO_DIR } from '../helpers/bento4.js';
import { runMp42hlsWithIFrames } from '../helpers/bento4-iframes.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { tempDir } from '../helpers/temp-dir.js';

const SHOW = path.join(REPO_DIR, 'test/fixtures/published/show');
const TIMEOUT = { timeoutMs: 5000 };

function copyShow(): string {
  const dir = path.join(tempDir(), 'show');
  cpSync(SHOW, dir, { recursive: true });
  return dir;
}

// A rendition directory as casterpak lays it out (index_0_av.m3u8 + segment<n>_0_av.ts), made by
// the real mp42hls, with Bento4's own I-frame index as the expected ranges.
function packagedRendition(fixture: string) {
  const bento4 = runMp42hlsWithIFrames(fixture, 6);
  const raw = parseMediaPlaylist(raiseTargetDuration(readFileSync(bento4.playlist, 'utf8')));
  const dir = path.join(tempDir(), fixture);
  cpSync(bento4.dir, dir, { recursive: true });
  raw.segments.forEach((s, i) => renameSync(path.join(dir, s.uri), path.join(dir, segmentName(i + 1))));
  writeFileSync(
    path.join(dir, INDEX_PLAYLIST),
    buildMediaPlaylist(
      raw.segments.map((s) => s.duration),
      { segmentBaseUrl: null },
    ),
  );
  const number = new Map(raw.segments.map((s, i) => [s.uri, i + 1]));
  return { dir, expected: bento4.iframes.map((f) => [`../${segmentName(number.get(f.uri)!)}`, f.offset, f.length]) };
}

async function failure(promise: Promise<unknown>): Promise<[string, string]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CasterpakError);
    return [(error as CasterpakError).code, (error as Error).message];
  }
  throw new Error('expected a failure');
}

describe('casterpak kfonly on local playlists', () => {
  it("writes <rendition>/kfonly/index_0_av.m3u8 for a packaged rendition, with Bento4's ranges and ../ URIs", async () => {
    const { dir, expected } = packagedRendition('av.mp4');
    const { output, result } = await runKfonly({ input: path.join(dir, INDEX_PLAYLIST), ...TIMEOUT });
    expect(output).toBe(path.join(dir, 'kfonly', INDEX_PLAYLIST));
    const written = readFileSync(output, 'utf8');
    expect(written).toBe(result.playlist);
    const parsed = parseMediaPlaylist(written);
    expect(parsed.isIFrame).toBe(true);
    expect(parsed.version).toBe(4);
    expect(parsed.segments.map((s) => [s.uri, s.byterange.offset, s.byterange.length])).toEqual(expected);
    expect(readdirSync(path.join(dir, 'kfonly'))).toEqual([INDEX_PLAYLIST]);
  });

  it("writes <dir>/kfonly/<name> for another packager's stream (published fixture), relative to the working directory", async () => {
    const dir = copyShow();
    const { output } = await runKfonly({ input: 'show/stream.m3u8', ...TIMEOUT }, { cwd: path.dirname(dir) });
    expect(output).toBe(path.join(dir, 'kfonly', 'stream.m3u8'));
    const parsed = parseMediaPlaylist(readFileSync(output, 'utf8'));
    expect(parsed.segments.map((s) => `${s.byterange.length}@${s.byterange.offset} ${s.uri}`)).toEqual([
      '3384@564 ../stream0.ts',
      '4512@62416 ../stream0.ts',
      '4512@564 ../stream1.ts',
      '5076@69936 ../stream1.ts',
    ]);
  });

  it('-o <file> writes elsewhere; -o - writes nothing and returns the text for stdout', async () => {
    const dir = copyShow();
    const out = await runKfonly({ input: path.join(dir, 'stream.m3u8'), output: 'trick.m3u8', ...TIMEOUT }, { cwd: dir });
    expect(out.output).toBe(path.join(dir, 'trick.m3u8'));
    expect(readFileSync(out.output, 'utf8')).toBe(out.result.playlist);
    const stdout = await runKfonly({ input: path.join(dir, 'stream.m3u8'), output: '-', ...TIMEOUT });
    expect(stdout.output).toBe('-');
    expect(existsSync(path.join(dir, 'kfonly'))).toBe(false);
  });

  it('fails with one clear line: missing file, master playlist, other-host URIs, bad TS', async () => {
    const dir = copyShow();
    expect(await failure(runKfonly({ input: path.join(dir, 'nope.m3u8'), ...TIMEOUT }))).toEqual([
      'NOT_FOUND',
      `${path.join(dir, 'nope.m3u8')}: no such file`,
    ]);
    writeFileSync(path.join(dir, 'master.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=300000\nstream.m3u8\n');
    expect(await failure(runKfonly({ input: path.join(dir, 'master.m3u8'), ...TIMEOUT }))).toEqual([
      'BAD_PLAYLIST',
      'master.m3u8: is a master playlist; give one of its media playlists',
    ]);
    writeFileSync(
      path.join(dir, 'abs.m3u8'),
      readFileSync(path.join(dir, 'stream.m3u8'), 'utf8').replace(/^stream/gm, 'https://cdn.example/stream'),
    );
    const [code, message] = await failure(runKfonly({ input: path.join(dir, 'abs.m3u8'), ...TIMEOUT }));
    expect(code).toBe('FORBIDDEN_HOST');
    expect(message).toMatch(
      /segment URI https:\/\/cdn\.example\/stream0\.ts is on another origin; trick play needs relative segment URIs$/,
    );
    writeFileSync(path.join(dir, 'stream1.ts'), readFileSync(path.join(dir, 'stream1.ts')).subarray(0, 1000));
    expect(await failure(runKfonly({ input: path.join(dir, 'stream.m3u8'), ...TIMEOUT }))).toEqual([
      'BAD_TS',
      'stream1.ts: truncated TS packet at offset 940 (size 1000)',
    ]);
    expect(existsSync(path.join(dir, 'kfonly'))).toBe(false);
  });
});

describe('casterpak kfonly on URLs (127.0.0.1)', () => {
  let upstream: FakeUpstream;
  afterEach(async () => upstream?.close());

  async function serve(playlist: (origin: string) => string): Promise<string> {
    upstream = await startFakeUpstream();
    for (const name of ['stream0.ts', 'stream1.ts'])
      upstream.route(`/live/show/${name}`, (_req, res) => res.end(readFileSync(path.join(SHOW, name))));
    upstream.route('/live/show/stream.m3u8', (_req, res) => res.end(playlist(upstream.origin)));
    return `${upstream.origin}/live/show/stream.m3u8`;
  }
  const showText = () => readFileSync(path.join(SHOW, 'stream.m3u8'), 'utf8');

  it('defaults to ./kfonly/<name> in the working directory, for relative and same-origin absolute URIs', async () => {
    for (const text of [showText, (origin: string) => showText().replace(/^stream/gm, `${origin}/live/show/stream`)]) {
      const url = await serve(text);
      const cwd = tempDir();
      const { output, result } = await runKfonly({ input: url, ...TIMEOUT }, { cwd });
      expect(output).toBe(path.join(cwd, 'kfonly', 'stream.m3u8'));
      expect(readFileSync(output, 'utf8')).toBe(result.playlist);
      expect(result.playlist).toContain('#EXT-X-BYTERANGE:5076@69936\n../stream1.ts\n');
      await upstream.close();
    }
  });

  it('refuses absolute segment URIs on another host', async () => {
    const url = await serve(() => showText().replace(/^stream/gm, 'http://localhost:9/stream'));
    const [code] = await failure(runKfonly({ input: url, ...TIMEOUT }, { cwd: tempDir() }));
    expect(code).toBe('FORBIDDEN_HOST');
    expect([...upstream.hits.keys()]).toEqual(['/live/show/stream.m3u8']);
  });

  it('derives the default output from the URL path', () => {
    expect(defaultKfonlyOutput('http://h/a/b%20c.m3u8?x=1', '/w')).toBe('/w/kfonly/b c.m3u8');
    expect(defaultKfonlyOutput('/srv/x/idx.m3u8', '/w')).toBe('/srv/x/kfonly/idx.m3u8');
    expect(() => defaultKfonlyOutput('http://h/dir/', '/w')).toThrow(/names no playlist file/);
  });
});

describe('kfonlyCommand', () => {
  it('prints the file written, or the playlist for -o -, and a summary on stderr', async () => {
    const dir = copyShow();
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    try {
      await kfonlyCommand()
        .exitOverride()
        .parseAsync([path.join(dir, 'stream.m3u8')], { from: 'user' });
      await kfonlyCommand()
        .exitOverride()
        .parseAsync([path.join(dir, 'stream.m3u8'), '-o', '-'], { from: 'user' });
    } finally {
      vi.restoreAllMocks();
    }
    expect(out[0]).toBe(`${path.join(dir, 'kfonly', 'stream.m3u8')}\n`);
    expect(out[1]).toBe(readFileSync(path.join(dir, 'kfonly', 'stream.m3u8'), 'utf8'));
    expect(err[0]).toMatch(/^casterpak: 4 key frames in 2 segments, peak \d+ kbit\/s, average \d+ kbit\/s, avc1\.64000c 320x180\n$/);
  });

  it('rejects a bad --timeout as USAGE', async () => {
    await expect(kfonlyCommand().exitOverride().parseAsync(['x.m3u8', '--timeout', 'soon'], { from: 'user' })).rejects.toMatchObject({
      code: 'USAGE',
    });
  });
});
