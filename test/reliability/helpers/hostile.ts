// Hostile request paths and a planted file tree for the out-of-root tests: a secret outside
// the roots, symlinks in the source root, the published root and the cache directory that
// point at it, and fast-check generators of traversal attempts in every encoding.
import net from 'node:net';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { media } from '../../helpers/bento4.js';

export const SECRET = 'RELIABILITY-SECRET-OUTSIDE-THE-ROOTS';

// Raw request over a socket: fetch() would normalise the very paths under test.
export function rawGet(url: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve({ status: Number(data.slice(9, 12)), body: data }));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout: ${target.slice(0, 100)}`)));
  });
}

// Encodings of "." , "/" and "\" that decoders have been tricked by: overlong UTF-8 (2, 3 and
// 4 bytes), double encoding, IIS %u, full-width and look-alike code points.
const DOT = [
  '.',
  '%2e',
  '%2E',
  '%252e',
  '%25%32%65',
  '%c0%ae',
  '%C0%AE',
  '%e0%80%ae',
  '%f0%80%80%ae',
  '%c0%2e',
  '%u002e',
  '%ef%bc%8e',
  '%e2%80%a4',
];
const SLASH = ['/', '%2f', '%2F', '%252f', '%c0%af', '%e0%80%af', '%f0%80%80%af', '%c1%9c', '%5c', '%255c', '\\', '%u2215', '%ef%bc%8f'];
const NAMES = [
  'secret.mp4',
  'link.mp4',
  'linkdir',
  'cachelink.mp4',
  'linked',
  'ok',
  'av.mp4',
  'outside.mp4',
  'etc',
  'passwd',
  'kfonly',
  '',
  '%00',
  '%',
  '%zz',
  ';',
  '..;',
  '....',
  '.%00.',
];

const dotDot = fc.tuple(fc.constantFrom(...DOT), fc.constantFrom(...DOT)).map(([a, b]) => a + b);
// Plain names and separators weigh more, so that many paths get past the character check and
// reach the rendition, published and symlink logic.
const piece = fc.oneof(
  { weight: 3, arbitrary: dotDot },
  { weight: 5, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...DOT) },
);
const separator = fc.oneof({ weight: 3, arbitrary: fc.constant('/') }, { weight: 2, arbitrary: fc.constantFrom(...SLASH) });
const longPiece = fc.integer({ min: 100, max: 1200 }).map((n) => 'a'.repeat(n));
const hostilePath = fc
  .tuple(
    fc.constantFrom('/i/', '/hls/', '/', '/p/', '/i/ok/', '/hls/linked/'),
    fc.array(fc.tuple(fc.oneof({ weight: 19, arbitrary: piece }, { weight: 1, arbitrary: longPiece }), separator), {
      minLength: 1,
      maxLength: 10,
    }),
    fc.constantFrom('index_0_av.m3u8', 'segment1_0_av.ts', 'master.m3u8', 'kfonly/index_0_av.m3u8', 'stream.m3u8', 'secret.mp4', ''),
  )
  .map(([area, parts, file]) => area + parts.map(([p, s]) => p + s).join('') + file);

// Paths of plain characters only (raw dot segments, symlink names): these pass the character
// check and test the route, source, published and cache resolution behind it.
const PLAIN = [
  '..',
  '.',
  'secret.mp4',
  'link.mp4',
  'linkdir',
  'cachelink.mp4',
  'linked',
  'stream.m3u8',
  'stream0.ts',
  'ok',
  'av.mp4',
  'outside.mp4',
  'dir',
  'rendition',
  'kfonly',
  'x.csmil',
  'a,b,c.csmil',
];
const plainPath = fc
  .tuple(
    fc.constantFrom('/i/', '/hls/', '/i/ok/', '/hls/linked/', '/i/linkdir/'),
    fc.array(fc.constantFrom(...PLAIN), { minLength: 0, maxLength: 5 }),
    fc.constantFrom(
      'index_0_av.m3u8',
      'segment1_0_av.ts',
      'master.m3u8',
      'kfonly/index_0_av.m3u8',
      'stream.m3u8',
      'stream0.ts',
      'kfonly/stream.m3u8',
    ),
  )
  .map(([area, parts, file]) => area + parts.map((p) => `${p}/`).join('') + file);

interface HostileRoots {
  readonly sourceRoot: string;
  readonly publishedRoot: string;
  readonly cacheDir: string;
}

// Fills `outside` with the secret and plants symlinks to it inside the three roots.
export function plantHostile(outside: string, roots: HostileRoots): void {
  writeFileSync(path.join(outside, 'secret.mp4'), SECRET);
  copyFileSync(media('av.mp4'), path.join(outside, 'outside.mp4'));
  mkdirSync(path.join(outside, 'dir'));
  writeFileSync(path.join(outside, 'dir', 'stream.m3u8'), `#EXTM3U\n#${SECRET}\n#EXTINF:4,\nstream0.ts\n#EXT-X-ENDLIST\n`);
  writeFileSync(path.join(outside, 'dir', 'stream0.ts'), SECRET);
  // A rendition-shaped directory outside, for a symlink planted in the cache directory.
  mkdirSync(path.join(outside, 'rendition'));
  writeFileSync(path.join(outside, 'rendition', 'index_0_av.m3u8'), `#EXTM3U\n#${SECRET}\n`);
  writeFileSync(path.join(outside, 'rendition', 'segment1_0_av.ts'), SECRET);
  writeFileSync(path.join(outside, 'rendition', '.rendition.json'), '{"segments":1}');
  symlinkSync(path.join(outside, 'outside.mp4'), path.join(roots.sourceRoot, 'link.mp4'));
  symlinkSync(path.join(outside, 'secret.mp4'), path.join(roots.sourceRoot, 'secret.mp4'));
  symlinkSync(outside, path.join(roots.sourceRoot, 'linkdir'));
  symlinkSync(path.join(outside, 'dir'), path.join(roots.publishedRoot, 'linked'));
  symlinkSync(path.join(outside, 'dir', 'stream.m3u8'), path.join(roots.publishedRoot, 'stream.m3u8'));
  mkdirSync(roots.cacheDir, { recursive: true });
  symlinkSync(path.join(outside, 'rendition'), path.join(roots.cacheDir, 'cachelink.mp4'));
}

// Paths that try each planted symlink directly.
export const SYMLINK_PATHS = [
  '/i/link.mp4/index_0_av.m3u8',
  '/i/secret.mp4/index_0_av.m3u8',
  '/i/linkdir/outside.mp4/index_0_av.m3u8',
  '/i/linkdir/outside.mp4/segment1_0_av.ts',
  '/i/cachelink.mp4/index_0_av.m3u8',
  '/i/cachelink.mp4/segment1_0_av.ts',
  '/i/cachelink.mp4/kfonly/index_0_av.m3u8',
  '/i/cachelink.mp4/master.m3u8',
  '/hls/linked/stream.m3u8',
  '/hls/linked/stream0.ts',
  '/hls/stream.m3u8',
  '/hls/linked/kfonly/stream.m3u8',
  '/hls/kfonly/stream.m3u8',
];

// The generated corpus: 1,200 hostile paths (seed 8004), 400 plain ones (seed 8005) and four
// very long ones, around the origin's and Node's limits.
export function hostileCorpus(): string[] {
  const samples = [...fc.sample(hostilePath, { numRuns: 1200, seed: 8004 }), ...fc.sample(plainPath, { numRuns: 400, seed: 8005 })];
  for (const n of [1_100, 2_000, 8_000, 15_000]) samples.push(`/i/${'a/'.repeat(n / 2)}x.mp4/index_0_av.m3u8`);
  return samples;
}
