// `casterpak rewrite-master --ladder` / `--profiles`: the ladder's derived renditions added to a
// third-party master fetched over HTTP, worked out offline from the variants' RESOLUTION.
import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LADDER } from '../../src/lib/config/ladder.js';
import { parseMasterPlaylist } from '../../src/lib/formats/hls/codec.js';
import { pickProfiles, runRewriteMaster, summaryLine, type RewriteMasterRun } from '../../src/commands/rewrite-master.js';
import { playlistAnswer, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KALTURA = readFileSync(path.join(ROOT, 'test/fixtures/playlists/kaltura-master.m3u8'), 'utf8');
const BASE = 'https://casterpak.example.com';
const SOURCE = '/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/index_0_av.m3u8'; // 1280x720, the tallest

// A master of one casterpak film with its audio and subtitle renditions (docs/tracks.md).
const TRACKS = [
  '#EXTM3U',
  '#EXT-X-VERSION:4',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",DEFAULT=YES,AUTOSELECT=YES,URI="https://cdn.example.com/i/film.mp4/index_0_a2.m3u8"',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="fr",NAME="French",DEFAULT=NO,AUTOSELECT=YES,URI="https://cdn.example.com/i/film.mp4/index_0_a3.m3u8"',
  '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,URI="https://cdn.example.com/i/film.mp4/index_0_s1.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=3000000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,AUDIO="aud",SUBTITLES="subs",CLOSED-CAPTIONS=NONE',
  'https://cdn.example.com/i/film.mp4/index_0_av.m3u8',
  '',
].join('\n');

let kaltura: FakeUpstream;

beforeAll(async () => {
  kaltura = await startFakeUpstream();
  kaltura.route('/p/a.m3u8', playlistAnswer(KALTURA));
  kaltura.route('/p/tracks.m3u8', playlistAnswer(TRACKS));
  kaltura.route('/p/no-resolution.m3u8', playlistAnswer('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n/i/a.mp4/index_0_av.m3u8\n'));
});

afterAll(() => kaltura.close());

const run = (extra: Partial<RewriteMasterRun>): RewriteMasterRun => ({
  input: `${kaltura.origin}/p/a.m3u8`,
  baseUrl: BASE,
  pathPatterns: ['^/i/'],
  hosts: [],
  trickPlay: false,
  timeoutMs: 2000,
  ...extra,
});

const uris = (text: string) =>
  parseMasterPlaylist(text)
    .variants.filter((v) => !v.isIFrameOnly)
    .map((v) => [v.uri, v.resolution?.height]);

describe('runRewriteMaster with the ladder', () => {
  it('adds the profiles below the tallest variant that the master lacks, never an upscale', async () => {
    const result = await runRewriteMaster(run({ ladder: { profiles: DEFAULT_LADDER, segmentDuration: 10 } }));
    expect(result.ladder).toEqual({ profiles: ['360p', '234p'], source: SOURCE, skipped: null });
    expect(uris(result.text).slice(2)).toEqual([
      [`${BASE}${SOURCE}`, 720],
      [`${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1_360p.mp4/index_0_av.m3u8`, 360],
      [`${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1_234p.mp4/index_0_av.m3u8`, 234],
    ]);
    expect(summaryLine(result, 'out.m3u8')).toBe(`wrote out.m3u8: 3 URIs pointed at casterpak, 360p, 234p added below ${SOURCE}`);
  });

  it("keeps the master's audio and subtitle groups, pointed here, and the added renditions name the source's", async () => {
    const result = await runRewriteMaster(
      run({ input: `${kaltura.origin}/p/tracks.m3u8`, ladder: { profiles: DEFAULT_LADDER, segmentDuration: 10 } }),
    );
    expect(result.ladder?.profiles).toEqual(['540p', '360p', '234p']);
    const master = parseMasterPlaylist(result.text);
    const renditions = [...master.variants[0].audio, ...master.variants[0].subtitles];
    expect(renditions.map((r) => [r.type, r.language, r.uri])).toEqual([
      ['AUDIO', 'en', `${BASE}/i/film.mp4/index_0_a2.m3u8`],
      ['AUDIO', 'fr', `${BASE}/i/film.mp4/index_0_a3.m3u8`],
      ['SUBTITLES', 'en', `${BASE}/i/film.mp4/index_0_s1.m3u8`],
    ]);
    // Audio is never re-encoded (docs/renditions.md): every rung plays the source's audio renditions.
    const lines = result.text.split('\n').filter((line) => line.startsWith('#EXT-X-STREAM-INF'));
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/,AUDIO="aud",SUBTITLES="subs",/);
    expect(master.variants.map((v) => [v.audio.length, v.subtitles.length])).toEqual(Array(4).fill([2, 1]));
  });

  it('--profiles picks a part of the ladder; a picked profile above the source is still left out', async () => {
    const result = await runRewriteMaster(run({ ladder: { profiles: pickProfiles(DEFAULT_LADDER, '1080p, 360p'), segmentDuration: 10 } }));
    expect(result.ladder?.profiles).toEqual(['360p']);
    expect(uris(result.text)).toHaveLength(4);
  });

  it('says why nothing was added when no variant has a RESOLUTION', async () => {
    const result = await runRewriteMaster(
      run({ input: `${kaltura.origin}/p/no-resolution.m3u8`, ladder: { profiles: DEFAULT_LADDER, segmentDuration: 10 } }),
    );
    expect(result.ladder?.skipped).toMatch(/source height is unknown/);
    expect(uris(result.text)).toHaveLength(1);
  });

  it('refuses profiles that are not in the ladder', () => {
    expect(() => pickProfiles(DEFAULT_LADDER, '360p,999p')).toThrow(
      /no profile 999p in the ladder: give some of 1080p, 720p, 540p, 360p, 234p/,
    );
    expect(() => pickProfiles(DEFAULT_LADDER, ' , ')).toThrow(/--profiles names no profile/);
    expect(Object.keys(pickProfiles(DEFAULT_LADDER, '234p,720p'))).toEqual(['720p', '234p']);
  });
});

describe('casterpak rewrite-master --ladder (CLI, built dist/)', () => {
  beforeAll(() => {
    const built = path.join(ROOT, 'dist/commands/rewrite-master.js');
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(path.join(ROOT, 'src/commands/rewrite-master.ts')).mtimeMs) {
      throw new Error('dist/ is missing or older than src/: run `npm run build` first (npm test does)');
    }
  });

  const cli = (args: string[]) =>
    execa('node', [path.join(ROOT, 'bin/casterpak.js'), 'rewrite-master', ...args], {
      cwd: tempDir(),
      reject: false,
      timeout: 20_000,
      env: { CASTERPAK_BASE_URL: undefined },
      extendEnv: true,
    });

  it('--profiles implies --ladder and takes the ladder of the configuration', async () => {
    const result = await cli([`${kaltura.origin}/p/a.m3u8`, '--base-url', BASE, '--profiles', '234p']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(uris(result.stdout).map(([uri]) => uri)).toContain(`${BASE}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1_234p.mp4/index_0_av.m3u8`);
    expect(uris(result.stdout)).toHaveLength(4);
  });

  it('warns on stderr when no profile could be added, and exits 1 for an unknown profile', async () => {
    const none = await cli([`${kaltura.origin}/p/no-resolution.m3u8`, '--base-url', BASE, '--ladder']);
    expect(none.exitCode).toBe(0);
    expect(none.stderr).toMatch(/^casterpak: warning: no ladder profile added: .*source height is unknown/);
    const unknown = await cli([`${kaltura.origin}/p/a.m3u8`, '--base-url', BASE, '--profiles', '999p']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/^casterpak: no profile 999p in the ladder: give some of /);
  });
});
