// A local source as segment-by-segment packaging reads it: its identity, exact positioned reads,
// the bytes read so far, and the moov found by the walk over the top-level box headers.
import { copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLocalSource, readMoov } from '../../../../src/lib/packaging/source/source-reader.js';
import { media } from '../../../helpers/bento4.js';
import { tempDir } from '../../../helpers/temp-dir.js';

// The top-level boxes of an MP4 file: [type, offset, size].
function topLevelBoxes(bytes: Buffer): [string, number, number][] {
  const boxes: [string, number, number][] = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    const size = bytes.readUInt32BE(at);
    boxes.push([bytes.toString('latin1', at + 4, at + 8), at, size]);
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

describe('openLocalSource', () => {
  it('reads exactly the bytes asked, fewer only at the end, and counts them', async () => {
    const file = media('av.mp4');
    const bytes = readFileSync(file);
    const reader = await openLocalSource(file, 'av.mp4');
    try {
      expect(reader.identity.size).toBe(bytes.length);
      expect(Buffer.from(await reader.read(100, 333)).equals(bytes.subarray(100, 433))).toBe(true);
      expect(Buffer.from(await reader.read(bytes.length - 10, 64)).equals(bytes.subarray(bytes.length - 10))).toBe(true);
      expect(await reader.read(bytes.length, 16)).toHaveLength(0);
      expect(reader.bytesRead).toBe(333 + 10);
    } finally {
      await reader.close();
    }
  });

  it('names the file by inode and mtime (inode only when its mtime records access), and keeps its mtime', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'copy.mp4');
    copyFileSync(media('av.mp4'), file);
    const stat = statSync(file);
    const plain = await openLocalSource(file, 'copy.mp4');
    const cached = await openLocalSource(file, 'copy.mp4', { mtimeIsAccess: true });
    await Promise.all([plain.close(), cached.close()]);
    expect(plain.identity.version).toBe(`ino ${stat.ino} mtime ${Math.round(stat.mtimeMs)}`);
    expect(cached.identity.version).toBe(`ino ${stat.ino}`);
    expect(plain.identity.mtimeMs).toBe(stat.mtimeMs);
  });

  it('refuses a missing file and a directory as NOT_FOUND', async () => {
    await expect(openLocalSource(path.join(tempDir(), 'gone.mp4'), 'gone.mp4')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'gone.mp4: no such file',
    });
    await expect(openLocalSource(tempDir(), 'dir.mp4')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'dir.mp4: not a regular file',
    });
  });

  it('tells a file cut while it is read as BAD_MEDIA', async () => {
    const file = path.join(tempDir(), 'shrinks.mp4');
    copyFileSync(media('av.mp4'), file);
    const reader = await openLocalSource(file, 'shrinks.mp4');
    try {
      truncateSync(file, 1000);
      await expect(reader.read(500, 2000)).rejects.toMatchObject({ code: 'BAD_MEDIA', message: /ended at 1000/ });
    } finally {
      await reader.close();
    }
  });
});

describe('readMoov', () => {
  it.each(['av.mp4', 'moov-at-end.mp4'])('finds the moov of %s where its box is, whole', async (name) => {
    const bytes = readFileSync(media(name));
    const [, offset, size] = topLevelBoxes(bytes).find(([type]) => type === 'moov')!;
    const reader = await openLocalSource(media(name), name);
    try {
      const found = await readMoov(reader, name);
      expect(found.offset).toBe(offset);
      expect(Buffer.from(found.moov).equals(bytes.subarray(offset, offset + size))).toBe(true);
      // Box headers and the moov only: never the media data.
      expect(reader.bytesRead).toBeLessThan(size + 16 * topLevelBoxes(bytes).length + 1);
    } finally {
      await reader.close();
    }
  });

  it.each([
    ['empty.mp4', /empty file/],
    ['not-an-mp4.mp4', /not an MP4/],
    ['truncated.mp4', /truncated|runs past|ends/],
  ])('refuses %s as BAD_MEDIA', async (name, message) => {
    const reader = await openLocalSource(media(name), name);
    try {
      await expect(readMoov(reader, name)).rejects.toMatchObject({ code: 'BAD_MEDIA', message });
    } finally {
      await reader.close();
    }
  });

  it('refuses a file without a moov', async () => {
    const file = path.join(tempDir(), 'no-moov.mp4');
    const bytes = readFileSync(media('av.mp4'));
    // Only the boxes before the moov: ftyp (and whatever else) but no movie.
    const [, moovAt] = topLevelBoxes(bytes).find(([type]) => type === 'moov')!;
    writeFileSync(file, bytes.subarray(0, moovAt));
    const reader = await openLocalSource(file, 'no-moov.mp4');
    try {
      await expect(readMoov(reader, 'no-moov.mp4')).rejects.toMatchObject({ code: 'BAD_MEDIA', message: /no moov/ });
    } finally {
      await reader.close();
    }
  });
});
