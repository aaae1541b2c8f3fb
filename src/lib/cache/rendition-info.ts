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
  /** A rendition derived on demand from `source` with the ladder's `profile` (docs/renditions.md). */
  readonly derived?: { readonly profile: string; readonly source: string };
}

// Written into the run's temporary directory, before the rendition is committed.
export async function writeRenditionInfo(dir: string, info: RenditionInfo): Promise<void> {
  await fs.writeFile(path.join(dir, RENDITION_INFO), JSON.stringify(info));
}

// The info of the rendition in `dir`; null when there is none or it is unreadable.
export async function readRenditionInfo(dir: string): Promise<RenditionInfo | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, RENDITION_INFO), 'utf8')) as RenditionInfo;
  } catch {
    return null;
  }
}
