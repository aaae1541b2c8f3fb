// The one top-level box walk (ISO/IEC 14496-12 §4.2) with the reads injected: real files from
// the fixtures, and hostile layouts that must end in one Mp4FormatError after a bounded number
// of reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Mp4FormatError } from '../../../../src/lib/formats/mp4/errors.js';
import { MAX_MOOV_BYTES, MAX_TOP_LEVEL_BOXES, NO_MOOV, locateMoov, walkTopLevelBoxes } from '../../../../src/lib/formats/mp4/top-level.js';
import { childBoxes } from '../../../../src/lib/formats/mp4/boxes.js';
import { media } from '../helpers/mp42hls-oracle.js';

const box = (size: number, type: string, body = Math.max(0, size - 8)): number[] => [
  (size >>> 24) & 0xff,
  (size >>> 16) & 0xff,
  (size >>> 8) & 0xff,
  size & 0xff,
  ...Buffer.from(type, 'latin1'),
  ...new Array<number>(body).fill(0),
];

// An in-memory file, recording each read.
function reader(bytes: Uint8Array) {
  const reads: Array<[number, number]> = [];
  const readAt = (offset: number, length: number) => {
    reads.push([offset, length]);
    return bytes.subarray(offset, offset + length);
  };
  return { reads, readAt };
}

async function failure(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Mp4FormatError);
  return (error as Error).message;
}

describe('walkTopLevelBoxes', () => {
  it.each(['av.mp4', 'moov-at-end.mp4'])('%s: finds the moov where a full parse finds it, one read per box', async (name) => {
    const file = new Uint8Array(readFileSync(media(name)));
    const boxes = [...childBoxes(file, 0, file.length)];
    const moov = boxes.find((b) => b.type === 'moov')!;
    const { reads, readAt } = reader(file);
    expect(await walkTopLevelBoxes(file.length, readAt)).toEqual({ moov: { offset: moov.offset, size: moov.size } });
    expect(reads.map(([offset]) => offset)).toEqual(boxes.map((b) => b.offset));
    expect(reads.every(([, length]) => length <= 16)).toBe(true);
  });

  it('follows size 0 (to the end), 64-bit sizes and stray trailing bytes', async () => {
    const large = [0, 0, 0, 1, ...Buffer.from('mdat'), 0, 0, 0, 0, 0, 0, 0, 20, 1, 2, 3, 4];
    const file = Uint8Array.from([...box(16, 'ftyp'), ...large, ...box(8, 'moov'), 0, 0, 0]); // 3 stray bytes at the end
    const { reads, readAt } = reader(file);
    expect((await walkTopLevelBoxes(file.length, readAt)).moov).toEqual({ offset: 36, size: 8 });
    expect(reads.map(([offset]) => offset)).toEqual([0, 16, 36, 44]);
    const toEnd = Uint8Array.from([...box(16, 'ftyp'), ...box(0, 'mdat', 100)]);
    const { reads: toEndReads, readAt: toEndRead } = reader(toEnd);
    expect((await walkTopLevelBoxes(toEnd.length, toEndRead)).moov).toBeNull();
    expect(toEndReads).toHaveLength(2);
  });

  it('refuses an empty file and one that does not start like an MP4', async () => {
    expect(await failure(walkTopLevelBoxes(0, reader(new Uint8Array(0)).readAt))).toBe('empty file');
    const text = Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n');
    expect(await failure(walkTopLevelBoxes(text.length, reader(text).readAt))).toBe('not an MP4 (no MP4 box at the start)');
  });

  it('a box past the end: NO_MOOV before the moov, the box named after it', async () => {
    const before = Uint8Array.from([...box(16, 'ftyp'), ...box(1000, 'mdat', 20)]);
    expect(await failure(walkTopLevelBoxes(before.length, reader(before).readAt))).toBe(NO_MOOV);
    const after = Uint8Array.from([...box(16, 'ftyp'), ...box(8, 'moov'), ...box(1000, 'mdat', 20)]);
    expect(await failure(walkTopLevelBoxes(after.length, reader(after).readAt))).toBe(
      'truncated: the "mdat" box at offset 24 needs 1000 bytes, the file has 28 from there',
    );
    const small = Uint8Array.from([...box(16, 'ftyp'), ...box(8, 'moov'), 0, 0, 0, 4, ...Buffer.from('free')]);
    expect(await failure(walkTopLevelBoxes(small.length, reader(small).readAt))).toBe('bad size 4 of the "free" box at offset 24');
  });

  it(`stops after ${MAX_TOP_LEVEL_BOXES} boxes: a moov after them is not looked for`, async () => {
    const many = new Uint8Array(8 * (MAX_TOP_LEVEL_BOXES + 1));
    for (let i = 0; i < MAX_TOP_LEVEL_BOXES; i++) many.set(box(8, 'free'), 8 * i);
    many.set(box(8, 'moov'), 8 * MAX_TOP_LEVEL_BOXES);
    const { reads, readAt } = reader(many);
    expect(await walkTopLevelBoxes(many.length, readAt)).toEqual({ moov: null });
    expect(reads.length).toBeLessThanOrEqual(MAX_TOP_LEVEL_BOXES);
    expect(await failure(locateMoov(many.length, reader(many).readAt))).toBe(NO_MOOV);
    // one box fewer, and the moov is found
    const fewer = many.subarray(8);
    expect(await locateMoov(fewer.length, reader(fewer).readAt)).toEqual({ offset: 8 * (MAX_TOP_LEVEL_BOXES - 1), size: 8 });
  });
});

describe('locateMoov', () => {
  it('refuses a file without a moov and a moov over MAX_MOOV_BYTES, reading only headers', async () => {
    const none = Uint8Array.from([...box(16, 'ftyp'), ...box(32, 'mdat')]);
    expect(await failure(locateMoov(none.length, reader(none).readAt))).toBe(NO_MOOV);
    const size = MAX_MOOV_BYTES + 1;
    const header = Uint8Array.from(box(size, 'moov', 8));
    const { reads, readAt } = reader(header);
    expect(await failure(locateMoov(size, readAt))).toBe(`moov of ${size} bytes is larger than casterpak reads`);
    expect(reads).toEqual([[0, 16]]);
    const limit = Uint8Array.from(box(MAX_MOOV_BYTES, 'moov', 8));
    expect(await locateMoov(MAX_MOOV_BYTES, reader(limit).readAt)).toEqual({ offset: 0, size: MAX_MOOV_BYTES });
  });
});
