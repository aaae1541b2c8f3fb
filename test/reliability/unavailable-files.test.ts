// docs/reliability.md, promise 10: failures of the origin's own files that repeat on every
// request until an operator acts. A cache whose file system turned read-only answers 503 with
// the reason, logged once (not a 500 and a stack trace per request), and serves again once it is
// writable; a .csmil naming missing files warns once per combination, not per request.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startOrigin } from '../helpers/origin.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import { startServe, waitFor } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { MIB, connect, costOf, getRequest, publishedSegment, readSlowly } from './helpers/raw-clients.js';

// A tmpfs as the cache directory (we run as root), or null where mounting is refused.
function ownFileSystem(): string | null {
  const dir = path.join(tempDir('casterpak-readonly-'), 'cachefs');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    return null;
  }
  onTestFinished(() => void execFileSync('umount', ['-l', dir]));
  return dir;
}

const remount = (dir: string, mode: 'ro' | 'rw') => execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });

describe('unavailable files', () => {
  it('a read-only cache: 503 with the reason, logged once until it recovers, then packaged', { timeout: 60_000 }, async (context) => {
    const cacheDir = ownFileSystem();
    if (cacheDir === null) return context.skip('cannot mount a tmpfs here');
    const logger = recordingLogger();
    const t = await startOrigin({ 'a/av.mp4': 'av.mp4', 'b/av.mp4': 'av.mp4' }, { cacheDir }, logger);
    remount(cacheDir, 'ro');
    for (const url of ['/i/a/av.mp4/index_0_av.m3u8', '/i/a/av.mp4/segment1_0_av.ts', '/i/b/av.mp4/index_0_av.m3u8']) {
      const answer = await t.get(url);
      expect(answer.status, url).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(await answer.text()).toMatch(/read-only file system/);
    }
    const told = logger.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    expect(told.map((l) => l.message)).toEqual(['files unavailable: requests answered 503']);
    expect(JSON.stringify(told[0].fields)).toMatch(/EROFS|ENOENT: no such file or directory, mkdir/);
    remount(cacheDir, 'rw');
    const after = await t.get('/i/a/av.mp4/index_0_av.m3u8');
    expect(after.status).toBe(200);
    await t.settled(); // the playlist is answered before its rendition is committed, which tells of the recovery
    expect(logger.lines.some((l) => l.message === 'files unavailable: requests answered 503: recovered')).toBe(true);
  });

  it('a .csmil naming missing files: one warning per missing member, however often it is asked for', { timeout: 60_000 }, async () => {
    const logger = recordingLogger();
    const t = await startOrigin({ 'film/av.mp4': 'av.mp4' }, {}, logger);
    const csmil = '/i/film/,av,gone1,gone2,.mp4.csmil/master.m3u8';
    for (let i = 0; i < 5; i++) expect((await t.get(csmil)).status).toBe(200);
    const leftOut = logger.warnings().filter((l) => l.message === 'csmil rendition left out');
    expect(leftOut.map((l) => l.fields.rendition).sort()).toEqual(['film/gone1.mp4', 'film/gone2.mp4']);
  });
});

describe('out of descriptors', () => {
  it(
    'serve under a low descriptor limit: connections past it wait, a request that cannot open its file gets 503 with the reason, serve stays up',
    { timeout: 60_000 },
    async () => {
      const segment = publishedSegment(64 * 1024);
      const serve = await startServe(['--published-root', segment.root, '--access-log', 'off'], {}, 20_000, [
        'prlimit',
        '--nofile=128:128',
        '--',
      ]);
      const free = 128 - (costOf(serve.pid).files + costOf(serve.pid).sockets);
      // Every descriptor left taken by a connection, but the last one's: it asks for a file.
      const sockets = await Promise.all(Array.from({ length: free + 5 }, () => connect(serve.url)));
      await waitFor(() => costOf(serve.pid).files + costOf(serve.pid).sockets >= 128, 5_000, 'descriptors exhausted');
      const answers = await Promise.all(
        sockets.slice(0, 3).map(async (socket) => {
          socket.write(getRequest(segment.path, 'Connection: close\r\n'));
          return (await readSlowly(socket, 8 * MIB, 3_000)).toString('latin1');
        }),
      );
      console.log(answers.map((a) => a.split('\r\n')[0]));
      for (const socket of sockets) socket.destroy();
      expect(answers.some((a) => a.startsWith('HTTP/1.1 503') && a.includes('file descriptors left'))).toBe(true);
      expect(answers.every((a) => /^HTTP\/1\.1 (200|503) /.test(a))).toBe(true);
      await waitFor(async () => (await fetch(`${serve.url}/healthz`)).status === 200, 10_000, 'serving again');
      expect(serve.stderr()).not.toMatch(/"level":"error"/);
    },
  );
});
