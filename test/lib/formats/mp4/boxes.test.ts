// Box headers and walks against Bento4's mp4dump on the fixtures, the header-only moov lookup an
// I/O layer uses (top-level.ts decodes the headers), and hostile sizes that must throw Mp4FormatError rather than loop or overrun.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boxEnd, childBoxes, findBox, payloadStart, readBoxHeader } from '../../../../src/lib/formats/mp4/boxes.js';
import { Mp4FormatError } from '../../../../src/lib/formats/mp4/errors.js';
import { locateMoov, topLevelBoxEnd } from '../../../../src/lib/formats/mp4/top-level.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { MP42HLS, PLAYABLE, media, readMoov } from '../helpers/mp42hls-oracle.js';

const MP4DUMP = path.join(path.dirname(MP42HLS), 'mp4dump');
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf', 'edts', 'mvex']);
const ALL = [...PLAYABLE, 'opus.mp4', 'vp9.mp4'];

// mp4dump's tree as "depth type size" lines, descending only into CONTAINERS.
function mp4dumpTree(file: string): string[] {
  const lines = execFileSync(MP4DUMP, ['--verbosity', '0', file], { encoding: 'utf8' }).split('\n');
  const out: string[] = [];
  const open: boolean[] = [true];
  for (const line of lines) {
    const m = /^( *)\[(.{4})\] size=(\d+)\+(\d+)/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 2;
    open.length = depth + 1;
    if (open.slice(0, depth + 1).every(Boolean)) out.push(`${depth} ${m[2]} ${Number(m[3]) + Number(m[4])}`);
    open[depth + 1] = CONTAINERS.has(m[2]);
  }
  return out;
}

function ourTree(bytes: Uint8Array, start: number, end: number, depth = 0): string[] {
  return [...childBoxes(bytes, start, end)].flatMap((box) => [
    `${depth} ${box.type} ${box.size}`,
    ...(CONTAINERS.has(box.type) ? ourTree(bytes, payloadStart(box), boxEnd(box), depth + 1) : []),
  ]);
}

// Header-only, with the walk's own header decoder, as casterpak's source reader walks a file.
function headers(file: string): { type: string; size: number }[] {
  const bytes = readFileSync(file);
  const found: { type: string; size: number }[] = [];
  for (let at = 0; at < bytes.length;) {
    const head = bytes.subarray(at, at + 16);
    const end = topLevelBoxEnd(head, at, bytes.length);
    if (typeof end === 'string') throw new Error(end);
    found.push({ type: String.fromCharCode(...head.subarray(4, 8)), size: end - at });
    at = end;
  }
  return found;
}

const be32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('boxes', () => {
  it.each(ALL)('%s: the box tree is the one mp4dump reads', (name) => {
    const bytes = readFileSync(media(name));
    expect(ourTree(bytes, 0, bytes.length)).toEqual(mp4dumpTree(media(name)));
  });

  it.each(ALL)('%s: header-only reads find the moov mp4dump sees, then parseMoov reads it', async (name) => {
    const file = media(name);
    const tops = headers(file);
    expect(tops.map((b) => `0 ${b.type} ${b.size}`)).toEqual(mp4dumpTree(file).filter((l) => l.startsWith('0 ')));
    const moov = await readMoov(file);
    expect(moov.length).toBe(tops.find((b) => b.type === 'moov')!.size);
    expect(parseMoov(moov).tracks.length).toBeGreaterThan(0);
  });

  it('findBox follows a path and returns undefined when a step is missing', () => {
    const bytes = readFileSync(media('av.mp4'));
    const moov = findBox(bytes, ['moov'])!;
    const stsz = findBox(bytes, ['trak', 'mdia', 'minf', 'stbl', 'stsz'], moov)!;
    expect(stsz.type).toBe('stsz');
    expect(findBox(bytes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsz'])).toEqual(stsz);
    expect(findBox(bytes, ['trak', 'nope'], moov)).toBeUndefined();
  });

  it.each(['truncated.mp4', 'not-an-mp4.mp4', 'empty.mp4'])('%s: no moov, an Mp4FormatError', async (name) => {
    await expect(readMoov(media(name))).rejects.toThrow(Mp4FormatError);
    const file = media(name);
    const read = (offset: number, length: number) => readFileSync(file).subarray(offset, offset + length);
    await expect(locateMoov(statSync(file).size, read)).rejects.toThrow(Mp4FormatError);
  });

  it('decodes 64-bit sizes, size 0 and uuid headers', () => {
    const large = Uint8Array.from([...be32(1), ...ascii('mdat'), ...be32(0), ...be32(20), 1, 2, 3, 4]);
    expect(readBoxHeader(large, 0)).toEqual({ type: 'mdat', offset: 0, size: 20, headerSize: 16 });
    const toEnd = Uint8Array.from([...be32(0), ...ascii('mdat'), 9, 9, 9]);
    expect(readBoxHeader(toEnd, 0).size).toBe(11);
    const uuid = Uint8Array.from([...be32(24), ...ascii('uuid'), ...new Array(16).fill(7)]);
    expect(readBoxHeader(uuid, 0).headerSize).toBe(24);
  });

  it('throws Mp4FormatError on hostile sizes instead of looping or overrunning', () => {
    const cases: number[][] = [
      [...be32(4), ...ascii('free')], // smaller than its header
      [...be32(7), ...ascii('free')],
      [...be32(100), ...ascii('free')], // past the container
      [...be32(1), ...ascii('mdat'), ...be32(0), ...be32(8)], // largesize smaller than the header
      [...be32(1), ...ascii('mdat'), ...be32(0xffffffff), ...be32(0xffffffff)], // largesize beyond 2^53
      [...be32(1), ...ascii('mdat')], // largesize missing
      [...be32(8), 0, 1, 2, 3], // not a type
      [...be32(16), ...ascii('uuid'), 0, 0, 0, 0, 0, 0, 0, 0], // uuid header longer than the box
      [1, 2, 3], // not even a header
    ];
    for (const bytes of cases) {
      const data = Uint8Array.from(bytes);
      expect(() => [...childBoxes(data, 0, data.length)], JSON.stringify(bytes)).toThrow(Mp4FormatError);
    }
    // A child claiming more than its parent holds.
    const nested = Uint8Array.from([...be32(24), ...ascii('moov'), ...be32(40), ...ascii('trak'), ...new Array(8).fill(0)]);
    expect(() => findBox(nested, ['moov', 'trak', 'mdia'])).toThrow(Mp4FormatError);
  });
});
