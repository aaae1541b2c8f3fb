// `.rendition.json` beside a rendition's playlist: what packaging measured, so masters, the
// status page and `serve` read it instead of probing the source again. Its one reader and writer.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MediaInfo } from '../formats/mp4/media-info.js';
import { RENDITION_INFO } from './names.js';

export interface RenditionInfo {
  readonly renditionPath: string;
  readonly source: { readonly size: number; readonly mtimeMs: number };
  readonly segmentDuration: number;
  readonly durationMs: number;
  readonly segments: number;
  readonly bytes: number;
  readonly peakBitrate: number; // bits per second, largest segment
  readonly averageBitrate: number;
  /** The I-frame playlist's rates, predicted from the moov's key frames (absent after a whole-file run). */
  readonly iframeBitrate?: { readonly peak: number; readonly average: number };
  readonly media: MediaInfo;
  /** Each audio rendition's predicted rates (docs/tracks.md), by MP4 track ID; absent after a whole-file run. */
  readonly audioBitrates?: Readonly<Record<string, { readonly peak: number; readonly average: number }>>;
  /** A rendition derived on demand from `source` with the ladder's `profile` (docs/renditions.md);
   * `rates`: the video rates it is encoded with when lowered below the source's (renditions/rate-cap.ts). */
  readonly derived?: {
    readonly profile: string;
    readonly source: string;
    readonly rates?: { readonly videoBitrate: number; readonly maxRate: number; readonly bufSize: number };
  };
  /** A source whose display matrix turns its picture, transcoded upright at its displayed size
   * (`renditions.upright`, docs/renditions.md "Phone video") with these video rates, H.264
   * level and key frame interval; absent for a rendition packaged as stored (every file written before the key). */
  readonly upright?: {
    readonly videoBitrate: number;
    readonly maxRate: number;
    readonly bufSize: number;
    readonly level: string;
    /** Frames from one key frame to the next, the source's, so its trick play is as dense. */
    readonly keyint?: number;
  };
}

// The source whose segments are transcoded into this rendition's (a derived rendition's source,
// or the rendition's own for an upright one); null when its segments are the source's as packaged.
export const transcodedFrom = (info: RenditionInfo): string | null => info.derived?.source ?? (info.upright ? info.renditionPath : null);

// Written into the run's temporary directory, before the rendition is committed.
export async function writeRenditionInfo(dir: string, info: RenditionInfo): Promise<void> {
  await fs.writeFile(path.join(dir, RENDITION_INFO), JSON.stringify(info));
}

// The info of the rendition in `dir`; null when there is none or it is not a JSON object (a
// tampered or cut-off file counts as missing: the store makes it again from the moov, and
// checks the fields with isWellFormed). A failing file system (EMFILE, EACCES) is thrown: the
// origin answers it 503, never 404 (docs/reliability.md, promise 10).
export async function readRenditionInfo(dir: string): Promise<RenditionInfo | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, RENDITION_INFO), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
  try {
    const info = JSON.parse(text) as unknown;
    return typeof info === 'object' && info !== null ? (info as RenditionInfo) : null;
  } catch {
    return null;
  }
}

const isCount = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;

// The fields the origin relies on are there (the status page shows what it finds of an older file).
export function isWellFormed(info: RenditionInfo): boolean {
  const { source, media } = info as Partial<RenditionInfo>;
  return (
    typeof info.renditionPath === 'string' &&
    typeof source === 'object' &&
    source !== null &&
    typeof media === 'object' &&
    media !== null &&
    Number.isInteger(info.segments) &&
    [info.segmentDuration, info.durationMs, info.segments, info.bytes, info.peakBitrate, info.averageBitrate].every(isCount)
  );
}
