// docs/reliability.md, from outside the process: `casterpak serve` runs under
// `strace -f -y -e trace=open,openat,openat2,execve`, which records every file the server and
// the Bento4 tools it starts open, with the real path the kernel resolved (symlinks
// followed). After a warm-up over every route, the hostile corpus (symlinks planted in all
// three roots, 1,604 generated paths) must open nothing outside the roots, and never the
// planted secret.
import { execFileSync } from 'node:child_process';
import { mkdirSync, copyFileSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { media, REAL_BIN_DIR, REPO_DIR } from '../../helpers/bento4.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { hostileCorpus, plantHostile, rawGet, SECRET, SYMLINK_PATHS } from '../../reliability/helpers/hostile.js';
import { startServe } from '../../helpers/serve-process.js';

// Successful opens: `openat(AT_FDCWD</cwd>, "/given", O_RDONLY) = 21</real/path>`.
const OPENED = /^(\d+)\s+(?:open|openat|openat2)\(.*\) = \d+<([^>]*)>$/;

// Where a Node program and its libraries may legitimately open files; everything else that is
// not inside one of the three roots counts as a read outside them.
function codeAndSystem(): string[] {
  return [
    REPO_DIR,
    realpathSync(REPO_DIR),
    path.dirname(path.dirname(realpathSync(process.execPath))),
    REAL_BIN_DIR,
    realpathSync(REAL_BIN_DIR),
    '/proc',
    '/sys',
    '/dev',
    '/etc',
    '/usr',
    '/lib',
    '/lib64',
    'pipe:',
    'socket:',
    'anon_inode:',
  ];
}

describe('strace oracle: zero opens outside the roots', () => {
  it(
    'serve under strace -f: the hostile corpus opens nothing outside the source, published and cache roots',
    { timeout: 120_000 },
    async () => {
      try {
        execFileSync('strace', ['-V'], { stdio: 'ignore' });
      } catch {
        throw new Error('strace is needed for this oracle: apt-get install -y strace (installed by .ci/run)');
      }
      const root = tempDir('casterpak-strace-');
      const roots = {
        sourceRoot: path.join(root, 'library'),
        publishedRoot: path.join(root, 'published'),
        cacheDir: path.join(root, 'cache'),
      };
      for (const dir of Object.values(roots)) mkdirSync(dir);
      mkdirSync(path.join(roots.sourceRoot, 'ok'));
      copyFileSync(media('av.mp4'), path.join(roots.sourceRoot, 'ok', 'av.mp4'));
      mkdirSync(path.join(roots.publishedRoot, 'show'));
      for (const name of ['stream.m3u8', 'stream0.ts', 'stream1.ts'])
        copyFileSync(path.join(REPO_DIR, 'test/fixtures/published/show', name), path.join(roots.publishedRoot, 'show', name));
      const outside = tempDir('casterpak-strace-outside-');
      plantHostile(outside, roots);
      const log = path.join(root, 'strace.log');
      const serve = await startServe(
        [
          '--source-root',
          roots.sourceRoot,
          '--published-root',
          roots.publishedRoot,
          '--cache-dir',
          roots.cacheDir,
          '--segment-duration',
          '4',
          '--log-level',
          'info',
          '--workers',
          '1',
        ],
        {},
        30_000,
        ['strace', '-f', '-y', '-qq', '-e', 'trace=open,openat,openat2,execve', '-o', log],
      );
      // Warm-up over every route, so that lazily loaded code is loaded before the oracle counts.
      for (const target of [
        '/healthz',
        '/metrics',
        '/',
        '/i/ok/av.mp4/index_0_av.m3u8',
        '/i/ok/av.mp4/segment1_0_av.ts',
        '/i/ok/av.mp4/master.m3u8',
        '/i/ok/av.mp4/kfonly/index_0_av.m3u8',
        '/i/ok/,av,.mp4.csmil/master.m3u8',
        '/hls/show/stream.m3u8',
        '/hls/show/stream0.ts',
        '/hls/show/kfonly/stream.m3u8',
        '/i/missing.mp4/index_0_av.m3u8',
        '/nothing',
      ]) {
        const { status } = await rawGet(serve.url, target);
        expect(status, target).toBeLessThan(500);
      }
      const warmLines = readFileSync(log, 'utf8').split('\n').length;
      const corpus = [...SYMLINK_PATHS, ...hostileCorpus()];
      const statuses = new Map<number, number>();
      for (let i = 0; i < corpus.length; i += 30) {
        for (const { status, body, p } of await Promise.all(
          corpus.slice(i, i + 30).map((p) => rawGet(serve.url, p).then((r) => ({ ...r, p }))),
        )) {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          expect(body, p).not.toContain(SECRET);
          if (status !== 200) expect([400, 403, 404, 414], `${p.slice(0, 200)} → ${status}`).toContain(status);
        }
      }
      const { status } = await rawGet(serve.url, '/healthz');
      expect(status).toBe(200);
      // A segment opens the cache (and its source when cold): proof that the trace sees the server's opens
      // (the corpus itself is refused before any file is opened).
      expect((await rawGet(serve.url, '/i/ok/av.mp4/segment3_0_av.ts')).status).toBe(200);
      const lines = readFileSync(log, 'utf8').split('\n');
      const opened = lines
        .slice(warmLines - 1)
        .map((line) => OPENED.exec(line)?.[2])
        .filter((p): p is string => p !== undefined);
      const allowed = [...Object.values(roots).map((r) => realpathSync(r)), ...codeAndSystem()];
      const outsideOpens = opened.filter(
        (file) => !allowed.some((prefix) => file === prefix || file.startsWith(prefix.endsWith(':') ? prefix : `${prefix}/`)),
      );
      const realOutside = realpathSync(outside);
      console.info(
        '[reliability] strace oracle',
        corpus.length,
        'paths;',
        opened.length,
        'opens traced after warm-up;',
        JSON.stringify(Object.fromEntries(statuses)),
      );
      expect(outsideOpens).toEqual([]);
      expect(lines.filter((line) => line.includes(realOutside) && OPENED.test(line))).toEqual([]);
      expect(opened.some((file) => file.startsWith(realpathSync(roots.cacheDir)))).toBe(true); // the trace saw the server's own opens
    },
  );
});
