import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRewriteMaster, type RewriteMasterRun } from '../../src/commands/rewrite-master.js';
import { playlistAnswer, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin/casterpak.js');
const KALTURA = readFileSync(path.join(ROOT, 'test/fixtures/playlists/kaltura-master.m3u8'), 'utf8');
const MANIFEST = new URL(JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/playlists/kaltura-manifest-urls.json'), 'utf8')).urls[0]);
const KFONLY =
  '#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:2\n#EXT-X-I-FRAMES-ONLY\n#EXTINF:2,\n#EXT-X-BYTERANGE:25000@376\n../segment1_0_av.ts\n#EXT-X-ENDLIST\n';
const RENDITIONS = ['1_5q8yua9n_1_q2fzuix0_1', '1_5q8yua9n_1_t2rfozqd_1', '1_5q8yua9n_1_rumb24fg_1'];

let kaltura: FakeUpstream;
let casterpak: FakeUpstream;
let dir: string;

beforeAll(async () => {
  kaltura = await startFakeUpstream();
  casterpak = await startFakeUpstream();
  kaltura.route(MANIFEST.pathname, playlistAnswer(KALTURA));
  kaltura.route('/media.m3u8', playlistAnswer('#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\ns.ts\n'));
  kaltura.route('/html.m3u8', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>error</html>');
  });
  kaltura.route('/fail.m3u8', playlistAnswer('no', 503));
  kaltura.route('/empty.m3u8', playlistAnswer(''));
  kaltura.route('/slow.m3u8', playlistAnswer(KALTURA, 200, 2000));
  for (const name of RENDITIONS) casterpak.route(`/i/20220404/1251/${name}.mp4/kfonly/index_0_av.m3u8`, playlistAnswer(KFONLY));
  dir = await mkdtemp(path.join(os.tmpdir(), 'casterpak-rewrite-master-'));
});

afterAll(async () => {
  await kaltura.close();
  await casterpak.close();
  await rm(dir, { recursive: true, force: true });
});

const BASE = 'https://casterpak.example.com';
const expectedPlain = KALTURA.replace('https://onprem.rfa.org', BASE).replaceAll('https://this_application', BASE);

describe('runRewriteMaster', () => {
  const run = (extra: Partial<RewriteMasterRun>): RewriteMasterRun => ({
    input: kaltura.origin + MANIFEST.pathname,
    baseUrl: BASE,
    pathPatterns: ['^/i/'],
    hosts: [],
    trickPlay: false,
    timeoutMs: 2000,
    ...extra,
  });

  it('rewrites a master fetched over HTTP', async () => {
    const result = await runRewriteMaster(run({}));
    expect(result.text).toBe(expectedPlain);
    expect(result.rewritten).toBe(3);
  });

  it("adds I-frame variants with the bit rates of casterpak's kfonly playlists", async () => {
    const result = await runRewriteMaster(run({ baseUrl: casterpak.origin, trickPlay: true }), {
      warn: () => expect.fail('no warning expected'),
    });
    expect(result.iframeVariants).toBe(3);
    expect(result.estimated).toEqual([]);
    expect(result.text).toContain(
      `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,AVERAGE-BANDWIDTH=100000,RESOLUTION=1280x720,URI="${casterpak.origin}/i/20220404/1251/1_5q8yua9n_1_rumb24fg_1.mp4/kfonly/index_0_av.m3u8"`,
    );
  });

  it('writes -o atomically and leaves no temporary file', async () => {
    const output = path.join(dir, 'atomic.m3u8');
    await runRewriteMaster(run({ output }));
    expect(await readFile(output, 'utf8')).toBe(expectedPlain);
    expect((await readdir(dir)).filter((name) => name.includes('atomic'))).toEqual(['atomic.m3u8']);
  });

  it('names an output directory that does not exist', async () => {
    await expect(runRewriteMaster(run({ output: path.join(dir, 'no/such/dir/x.m3u8') }))).rejects.toThrow(
      /cannot write .*: no such directory/,
    );
  });

  it('resolves relative URIs of a file against --master-url', async () => {
    const file = path.join(dir, 'relative.m3u8');
    await writeFile(file, '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../../i/a.mp4/index_0_av.m3u8\n');
    const result = await runRewriteMaster(run({ input: file, masterUrl: 'https://kaltura.example/p/1/a.m3u8' }));
    expect(result.text.split('\n')[2]).toBe(`${BASE}/i/a.mp4/index_0_av.m3u8`);
    const bare = await runRewriteMaster(run({ input: file }));
    expect(bare.unresolved).toEqual(['../../i/a.mp4/index_0_av.m3u8']);
  });

  it('refuses an invalid --path-pattern', async () => {
    await expect(runRewriteMaster(run({ pathPatterns: ['(['] }))).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('casterpak rewrite-master (CLI, built dist/)', () => {
  beforeAll(() => {
    const built = path.join(ROOT, 'dist/commands/rewrite-master.js');
    const source = path.join(ROOT, 'src/commands/rewrite-master.ts');
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
      throw new Error('dist/ is missing or older than src/: run `npm run build` first (npm test does)');
    }
  });

  // A clean directory and environment: no casterpak configuration is picked up.
  const cli = (args: string[]) =>
    execa('node', [BIN, 'rewrite-master', ...args], {
      cwd: dir,
      reject: false,
      timeout: 20_000,
      env: { CASTERPAK_BASE_URL: undefined },
      extendEnv: true,
    });

  it('prints the rewritten Kaltura master and exits 0', async () => {
    const result = await cli([kaltura.origin + MANIFEST.pathname, '--base-url', BASE]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(expectedPlain.trimEnd());
    expect(result.stderr).toBe('');
  });

  it('writes -o and prints a summary', async () => {
    const output = path.join(dir, 'cli.m3u8');
    const result = await cli([kaltura.origin + MANIFEST.pathname, '--base-url', BASE, '-o', output, '--host', 'onprem.rfa.org']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`wrote ${output}: 1 URIs pointed at casterpak`);
    const written = await readFile(output, 'utf8');
    expect(written).toContain(`${BASE}/i/20220404/1251/1_5q8yua9n_1_q2fzuix0_1.mp4/index_0_av.m3u8`);
    expect(written).toContain('https://this_application/i/');
  });

  it('reads a local file and takes --path-pattern', async () => {
    const file = path.join(dir, 'vod.m3u8');
    await writeFile(file, '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttps://h.example/vod/a.mp4/index_0_av.m3u8\n');
    const result = await cli([file, '--base-url', BASE, '--path-pattern', '^/vod/']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')[2]).toBe(`${BASE}/vod/a.mp4/index_0_av.m3u8`);
  });

  it('with --trick-play and no casterpak reachable: one warning, estimated bit rates, exit 0', async () => {
    const closed = await startFakeUpstream();
    await closed.close();
    const result = await cli([
      path.join(ROOT, 'test/fixtures/playlists/kaltura-master.m3u8'),
      '--base-url',
      closed.origin,
      '--trick-play',
      '--timeout',
      '2s',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^casterpak: warning: no I-frame playlist for 3 of 3 renditions .*estimated/);
    expect(result.stdout.match(/^#EXT-X-I-FRAME-STREAM-INF:/gm)).toHaveLength(3);
  });

  it.each([
    ['a media playlist', '/media.m3u8', /a media playlist, not a master playlist/],
    ['an HTML page', '/html.m3u8', /an HTML page, not an HLS playlist/],
    ['a non-200', '/fail.m3u8', /upstream answered 503/],
    ['an empty body', '/empty.m3u8', /empty body/],
  ])('exits 1 with one line for %s', async (_name, p, message) => {
    const result = await cli([kaltura.origin + p, '--base-url', BASE]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^casterpak: /);
    expect(result.stderr).toMatch(message);
  });

  it('exits 1 on a timeout', async () => {
    const result = await cli([`${kaltura.origin}/slow.m3u8`, '--base-url', BASE, '--timeout', '300ms']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/no complete answer within 300 ms/);
  });

  it('exits 1 without a base URL, or with a bad one', async () => {
    const missing = await cli([`${kaltura.origin}${MANIFEST.pathname}`]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/needs --base-url/);
    const bad = await cli([`${kaltura.origin}${MANIFEST.pathname}`, '--base-url', 'ftp://x']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe('casterpak: --base-url must be an http(s) URL, got "ftp://x"'); // named as typed, not by its key
    const pattern = await cli([`${kaltura.origin}${MANIFEST.pathname}`, '--base-url', 'https://c.example', '--path-pattern', '([']);
    expect(pattern.stderr).toBe('casterpak: --path-pattern has an invalid pattern "(["');
  });
});
