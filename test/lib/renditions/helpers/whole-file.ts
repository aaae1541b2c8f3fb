// mp42hls's own whole-file segments of a file, raw (its continuity counters), in order: what a
// source rendition packaged as stored is made of.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REAL_MP42HLS } from '../../../helpers/bento4.js';
import { tempDir } from '../../../helpers/temp-dir.js';

export function wholeFileSegments(file: string, segmentDuration: number): Buffer[] {
  const dir = tempDir('casterpak-raw-');
  execFileSync(REAL_MP42HLS, [
    '--segment-duration',
    String(segmentDuration),
    '--index-filename',
    `${dir}/raw.m3u8`,
    '--segment-filename-template',
    `${dir}/raw-%d.ts`,
    '--segment-url-template',
    'raw-%d.ts',
    file,
  ]);
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ts'))
    .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
    .map((n) => readFileSync(path.join(dir, n)));
}
