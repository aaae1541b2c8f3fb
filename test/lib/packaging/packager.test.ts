import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wholeFileRendition, type PackageJob } from '../../../src/lib/packaging/packager.js';
import { locateBento4 } from '../../../src/lib/packaging/bento4.js';
import { cacheLayout } from '../../../src/lib/cache/names.js';
import { checkRendition, fakeBinDir, media, mp4infoDuration, processExists, processRunning, readPids } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SEED_000_HEAD = [
  '#EXTM3U',
  /^#EXT-X-TARGETDURATION:\d+$/,
  '#EXT-X-ALLOW-CACHE:YES',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-VERSION:3',
  '#EXT-X-MEDIA-SEQUENCE:1',
];

function job(overrides: Partial<PackageJob> & { source: string }): PackageJob {
  return {
    bento4: locateBento4(null, 30_000),
    layout: cacheLayout(tempDir('casterpak-cache-')),
    renditionPath: path.basename(overrides.source),
    segmentDuration: 10,
    publicBaseUrl: null,
    ...overrides,
  };
}

// casterpak's media playlist, line by line: header tags in order, then EXTINF (3 decimals) / URI pairs
// numbered from 1, then ENDLIST.
function expectSeedShape(playlist: string, uri: (n: number) => string): void {
  const lines = playlist.split('\n');
  expect(lines.pop()).toBe(''); // ends with a newline
  SEED_000_HEAD.forEach((expected, i) =>
    typeof expected === 'string' ? expect(lines[i]).toBe(expected) : expect(lines[i]).toMatch(expected),
  );
  const body = lines.slice(SEED_000_HEAD.length, -1);
  expect(lines.at(-1)).toBe('#EXT-X-ENDLIST');
  expect(body.length % 2).toBe(0);
  for (let i = 0; i < body.length; i += 2) {
    expect(body[i]).toMatch(/^#EXTINF:\d+\.\d{3},$/);
    expect(body[i + 1]).toBe(uri(i / 2 + 1));
  }
  const durations = body.filter((_, i) => i % 2 === 0).map((l) => Number(l.slice(8, -1)));
  expect(Number(lines[1].split(':')[1])).toBe(Math.max(...durations.map(Math.round)));
}

describe('wholeFileRendition with the real mp42hls', () => {
  it.each(['av.mp4', 'av-no-bframes.mp4', 'av-2997.mp4', 'audio-only.mp4', 'video-only.mp4', 'moov-at-end.mp4', 'hevc.mp4'])(
    'packages %s into a verified rendition in the temporary directory',
    async (name) => {
      const packaging = job({ source: media(name) });
      const { tmp, info } = await wholeFileRendition(packaging);
      expect(path.dirname(tmp)).toBe(packaging.layout.tmpDir());
      const checked = checkRendition(tmp);
      expectSeedShape(checked.playlist, (n) => `segment${n}_0_av.ts`);
      const total = checked.durations.reduce((a, b) => a + b, 0);
      expect(Math.abs(total - mp4infoDuration(media(name)))).toBeLessThanOrEqual(0.1);
      expect(info.segments).toBe(checked.durations.length);
      expect(info.bytes).toBe(checked.segmentFiles.reduce((sum, f) => sum + readFileSync(path.join(tmp, f)).length, 0));
      expect(info.durationMs).toBe(Math.round(total * 1000));
      expect(info.peakBitrate).toBeGreaterThanOrEqual(info.averageBitrate);
      expect(JSON.parse(readFileSync(path.join(tmp, '.rendition.json'), 'utf8'))).toEqual(info);
      expect(readdirSync(tmp).filter((f) => f.startsWith('raw'))).toEqual([]); // mp42hls's names are gone
    },
  );

  it('cuts av.mp4 (12 s, GOP 2 s) into 2 segments at 10 s and 6 at 2 s', async () => {
    const ten = await wholeFileRendition(job({ source: media('av.mp4') }));
    expect(checkRendition(ten.tmp).durations).toEqual([10, 1.96]);
    const two = await wholeFileRendition(job({ source: media('av.mp4'), segmentDuration: 2 }));
    const { durations, playlist } = checkRendition(two.tmp);
    expect(durations).toHaveLength(6);
    expect(playlist).toContain('#EXT-X-TARGETDURATION:2\n');
    expect(two.info.segmentDuration).toBe(2);
  });

  it('writes absolute segment URIs under <base>/i/<rendition path>/ with a public base URL', async () => {
    const { tmp } = await wholeFileRendition(
      job({ source: media('av.mp4'), renditionPath: '20220324/1251/x.mp4', publicBaseUrl: 'https://cdn.example' }),
    );
    expectSeedShape(checkRendition(tmp).playlist, (n) => `https://cdn.example/i/20220324/1251/x.mp4/segment${n}_0_av.ts`);
  });

  it('is deterministic: two runs give byte-identical playlists and segments', async () => {
    const first = await wholeFileRendition(job({ source: media('av.mp4') }));
    const second = await wholeFileRendition(job({ source: media('av.mp4') }));
    const names = readdirSync(first.tmp)
      .filter((n) => n !== '.rendition.json')
      .sort();
    expect(
      readdirSync(second.tmp)
        .filter((n) => n !== '.rendition.json')
        .sort(),
    ).toEqual(names);
    for (const name of names) {
      expect(readFileSync(path.join(second.tmp, name)).equals(readFileSync(path.join(first.tmp, name))), name).toBe(true);
    }
  });
});

describe('wholeFileRendition refuses bad input with one line naming it, leaving nothing behind', () => {
  it.each([
    ['missing.mp4', 'NOT_FOUND', 'missing.mp4: no such file'],
    ['empty.mp4', 'BAD_MEDIA', 'empty.mp4: empty file'],
    ['not-an-mp4.mp4', 'BAD_MEDIA', 'not-an-mp4.mp4: not an MP4 (no MP4 box at the start)'],
    ['truncated.mp4', 'BAD_MEDIA', 'truncated.mp4: truncated or not an MP4 (no moov)'],
    ['vp9.mp4', 'UNSUPPORTED_MEDIA', /^vp9\.mp4: unsupported codec \(vp09\)/],
    ['opus.mp4', 'UNSUPPORTED_MEDIA', /^opus\.mp4: unsupported codec \(Opus\)/],
  ])('%s → %s', async (name, code, message) => {
    const packaging = job({ source: media(name) });
    const error = await wholeFileRendition(packaging).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code });
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
    expect(readdirSync(packaging.layout.root).filter((n) => n !== '.tmp')).toEqual([]);
    expect(existsSync(packaging.layout.tmpDir()) ? readdirSync(packaging.layout.tmpDir()) : []).toEqual([]);
  });

  it('refuses a directory named like an MP4', async () => {
    await expect(wholeFileRendition(job({ source: path.dirname(media('av.mp4')) }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/not a regular file/),
    });
  });
});

describe('wholeFileRendition with a failing mp42hls publishes nothing and leaves no process or file', () => {
  const faults: Array<[string, string, RegExp]> = [
    ['no-playlist', 'BAD_MEDIA', /^mp42hls wrote no playlist for av\.mp4$/],
    ['partial-exit1', 'BAD_MEDIA', /^mp42hls exited with code 1: ERROR: failed to read sample \(-10\)$/],
    ['hang', 'TIMEOUT', /^mp42hls ran past its time limit of 1500 ms and was killed$/],
    ['segv', 'BAD_MEDIA', /^mp42hls was killed by SIGSEGV: about to crash$/],
    ['missing-segment', 'BAD_MEDIA', /^mp42hls listed segment 2 of av\.mp4 but did not write it$/],
    ['not-ts', 'BAD_MEDIA', /^mp42hls wrote an invalid segment 1 for av\.mp4: size 31 is not a multiple of 188$/],
    ['short-duration', 'BAD_MEDIA', /^mp42hls output for av\.mp4 lasts 2\.000 s, the source 12\.000 s$/],
    ['escape-uri', 'BAD_MEDIA', /^mp42hls listed an unexpected segment URI "\.\.\/escape\.ts"$/],
  ];

  it.each(faults)('%s → %s', async (fake, code, message) => {
    const pids = path.join(tempDir(), 'pids');
    process.env.FAKE_MP42HLS_PIDS = pids;
    try {
      const packaging = job({ source: media('av.mp4'), bento4: locateBento4(fakeBinDir(fake), 1500) });
      const started = Date.now();
      const error = await wholeFileRendition(packaging).then(
        () => null,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(1500 + 1000); // a hung tool is killed ≤ limit + 1 s
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toMatch(message);
      expect(readdirSync(packaging.layout.tmpDir())).toEqual([]);
      expect(readdirSync(packaging.layout.root).filter((n) => n !== '.tmp')).toEqual([]);
      const [fakePid, ...children] = readPids(pids);
      expect(fakePid).toBeGreaterThan(0);
      expect(processExists(fakePid)).toBe(false); // reaped: no zombie
      for (const child of children) await expect.poll(() => processRunning(child), { timeout: 1000 }).toBe(false);
    } finally {
      delete process.env.FAKE_MP42HLS_PIDS;
    }
  });
});
