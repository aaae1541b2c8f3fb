// How full the cache's file system is, the one rule for it. mp42hls exits 0 with cut segments
// and an empty playlist when the disk fills up (and a tool may fail in any other way then): a
// failure while the file system is nearly full is told as that (507), not blamed on the tool or
// the source (packaging/packager.ts). A cold playlist is answered before its rendition is
// written only when what it writes fits with room to spare (packaging/moov-rendition.ts).
import { promises as fs } from 'node:fs';

const LOW_SPACE_BYTES = 4 * 1024 * 1024;

/** The bytes free in `dir`'s file system; null when unknown. */
export async function freeBytes(dir: string): Promise<number | null> {
  try {
    const stat = await fs.statfs(dir);
    return stat.bavail * stat.bsize;
  } catch {
    return null;
  }
}

/** `free` (from freeBytes) when fewer than `writing` and the spare room, else null (also when unknown). */
export function tooFew(free: number | null, writing = 0): number | null {
  return free !== null && free < LOW_SPACE_BYTES + writing ? free : null;
}

/** The bytes free in `dir`'s file system when fewer than `writing` and the spare room, else null (also when unknown). */
export async function nearlyFull(dir: string, writing = 0): Promise<number | null> {
  return tooFew(await freeBytes(dir), writing);
}
