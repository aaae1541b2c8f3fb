// What the rendition store and the /i/ routes remember of a rendition, in one entry per rendition:
// its directory once verified inside the cache (cache/confined-dirs.ts), its `.rendition.json` as
// last read, and its loaded segment index. Bounded, least recently used first out; an index
// weighs far more than a path, so the bound is by bytes. Apart from them, the indexes the last few
// cold playlists made, with the records of their first segments, for the segment requests that
// follow: read from memory, not from a disk that may no longer hold them in its cache (a film
// asked for is not always played, so they are few, not one per playlist).
import { boundedCache } from '../../shared/bounded-cache.js';
import type { DirMemory } from '../../cache/confined-dirs.js';
import type { RenditionInfo } from '../../cache/rendition-info.js';
import type { LoadedIndex } from '../segment-maker.js';

export interface RenditionEntry {
  readonly dir?: string;
  readonly info?: RenditionInfo;
  readonly index?: LoadedIndex;
}

// Bounded by what the entries hold, in bytes as measured (docs/benchmarks.md, "The soak, and
// what a loaded index holds"): an entry and its verified directory ~0.4 KB, its info 0.8 KB more
// with one audio track (2 KB counted, for films with more), a loaded index
// ~140 bytes a segment (its segments as columns, index/segments.ts) and its extract header. In
// 16 MiB: 40,000 directories, or 6,800 with their info, or about 160 indexes of 2-hour films
// (720 segments) with them; an index pushed out is read again in ~2 ms.
const MAX_BYTES = 16 * 2 ** 20;
const [ENTRY_BYTES, INFO_BYTES, SEGMENT_BYTES] = [400, 2048, 140];
const indexBytes = (index: LoadedIndex): number => SEGMENT_BYTES * index.header.segments.length + index.extractHeader.length;
const weightOf = (entry: RenditionEntry) => ENTRY_BYTES + (entry.info ? INFO_BYTES : 0) + (entry.index ? indexBytes(entry.index) : 0);

const FRESH_INDEXES = 2;
// A fresh index keeps the records of the segments a player asks for right after the playlist (the
// first is made from the moov): 14 KB of a 2-hour film's index file, not its 2.5 MB, which stood
// in RSS two renditions at a time (docs/benchmarks.md, "Cold path, twelfth round").
export const FRESH_SEGMENTS = 4;

export class RenditionEntries {
  private readonly entries = boundedCache<string, RenditionEntry>({ maxSize: MAX_BYTES, sizeOf: weightOf });
  private readonly fresh = boundedCache<string, LoadedIndex>({ max: FRESH_INDEXES });

  /** The index a playlist has just made and committed, with its first bytes (segment-maker.ts indexFromBytes). */
  setFresh(renditionPath: string, index: LoadedIndex): void {
    this.fresh.set(renditionPath, index);
  }

  /** That index, once: its rendition's entry keeps it from now on, without the file's bytes. */
  takeFresh(renditionPath: string): LoadedIndex | undefined {
    const index = this.fresh.get(renditionPath);
    if (!index) return undefined;
    this.fresh.delete(renditionPath);
    const { bytes: _, ...kept } = index;
    this.set(renditionPath, { index: kept });
    return index;
  }

  /** The rendition's index as known: its entry's, or the one its playlist has just made (not taken). */
  index(renditionPath: string): LoadedIndex | undefined {
    return this.entries.get(renditionPath)?.index ?? this.fresh.get(renditionPath);
  }

  get(renditionPath: string): RenditionEntry | undefined {
    return this.entries.get(renditionPath);
  }

  set(renditionPath: string, part: RenditionEntry): void {
    this.entries.set(renditionPath, { ...this.entries.get(renditionPath), ...part });
  }

  // Drops what may have changed on disk (a rendition replaced, repaired or pruned); the verified
  // directory stays, since its path cannot lead elsewhere without the cache being tampered with.
  forget(renditionPath: string, ...parts: ('info' | 'index')[]): void {
    if (parts.includes('index')) this.fresh.delete(renditionPath);
    const entry = this.entries.get(renditionPath);
    if (!entry) return;
    const kept: { -readonly [K in keyof RenditionEntry]: RenditionEntry[K] } = { ...entry };
    for (const part of parts) delete kept[part];
    this.entries.set(renditionPath, kept);
  }

  // The verified directories, as cache/confined-dirs.ts keeps them.
  readonly dirs: DirMemory = {
    get: (renditionPath) => this.get(renditionPath)?.dir,
    set: (renditionPath, dir) => this.set(renditionPath, { dir }),
  };
}
