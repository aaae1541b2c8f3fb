// Every name casterpak gives a file or directory in the cache, each as a make/parse pair.
// Names that start with a dot are casterpak's own bookkeeping; rendition paths can never
// start with a dot, so the two never collide. Prune deletes nothing that has no name here.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Fmp4Ref } from '../formats/fmp4/tracks.js';

export const TMP_DIR = '.tmp'; // packaging runs in progress: tempRunName()
export const LOCKS_DIR = '.locks'; // lockName(), failedName(): who is packaging, what failed
export const SOURCES_DIR = '.sources'; // downloaded source copies, by rendition path
const PUBLISHED_DIR = '.published'; // I-frame playlists of streams under the published root
export const TRASH_DIR = '.trash'; // renditions replaced or removed, deleted right after the rename

// The Akamai HD / MSOD file names inside a rendition directory.
export const INDEX_PLAYLIST = 'index_0_av.m3u8';
export const MASTER_PLAYLIST = 'master.m3u8';
export const KFONLY_DIR = 'kfonly';
export const DASH_MANIFEST = 'manifest.mpd'; // served, never stored: made from the moov each time
export const RENDITION_INFO = '.rendition.json';
export const SEGMENT_INDEX = '.segments.idx'; // packaging/index/segment-index.ts
export const SEGMENT_PATTERN = /^segment([1-9]\d{0,5})_0_av\.ts$/;

// Segment numbers are 1-based, as in the names; indexes into a playlist's segments are 0-based.
export function segmentName(oneBased: number): string {
  return `segment${oneBased}_0_av.ts`;
}

// An audio rendition of the MP4's audio track N (docs/tracks.md), beside the rendition's own files:
// index_0_a<N>.m3u8 and segment<K>_0_a<N>.ts, in the Akamai style of index_0_av.m3u8.
export const AUDIO_PLAYLIST_PATTERN = /^index_0_a([1-9]\d{0,8})\.m3u8$/;
export const AUDIO_SEGMENT_PATTERN = /^segment([1-9]\d{0,5})_0_a([1-9]\d{0,8})\.ts$/;
export const audioPlaylistName = (trackId: number) => `index_0_a${trackId}.m3u8`;
export const audioSegmentName = (number: number, trackId: number) => `segment${number}_0_a${trackId}.ts`;

// fMP4 renditions (docs/formats.md), one track each, in the rendition's fmp4/ directory under
// their URL names: index_0_<ref>.m3u8, init_0_<ref>.mp4 and segment<K>_0_<ref>.m4s, <ref> `v` (the
// video) or a<N> (audio track N), as the audio renditions beside them are named.
export const FMP4_DIR = 'fmp4';
const FMP4_REF = '(v|a[1-9]\\d{0,8})';
export const FMP4_PLAYLIST_PATTERN = new RegExp(`^index_0_${FMP4_REF}\\.m3u8$`);
export const FMP4_INIT_PATTERN = new RegExp(`^init_0_${FMP4_REF}\\.mp4$`);
export const FMP4_SEGMENT_PATTERN = new RegExp(`^segment([1-9]\\d{0,5})_0_${FMP4_REF}\\.m4s$`);
const refText = (ref: Fmp4Ref) => (ref === 'v' ? 'v' : `a${ref}`);
export const parseFmp4Ref = (text: string): Fmp4Ref => (text === 'v' ? 'v' : Number(text.slice(1)));
export const fmp4PlaylistName = (ref: Fmp4Ref) => `index_0_${refText(ref)}.m3u8`;
export const fmp4InitName = (ref: Fmp4Ref) => `init_0_${refText(ref)}.mp4`;
export const fmp4SegmentName = (number: number, ref: Fmp4Ref) => `segment${number}_0_${refText(ref)}.m4s`;
// The same names as a DASH SegmentTemplate@media (ISO/IEC 23009-1 §5.3.9.4.4: $Number$ is K).
export const fmp4SegmentTemplate = (ref: Fmp4Ref) => `segment$Number$_0_${refText(ref)}.m4s`;

// A subtitle rendition (docs/tracks.md), made in memory, never stored: index_0_<id>.m3u8 and
// segment<K>_0_<id>.vtt, <id> s<track ID> (tx3g) or f-[<lang>.]srt|vtt (a sidecar file).
const SUBTITLE_ID = '(s[1-9]\\d{0,8}|f-(?:[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\\.)?(?:srt|vtt))';
export const SUBTITLE_PLAYLIST_PATTERN = new RegExp(`^index_0_${SUBTITLE_ID}\\.m3u8$`);
export const SUBTITLE_SEGMENT_PATTERN = new RegExp(`^segment([1-9]\\d{0,5})_0_${SUBTITLE_ID}\\.vtt$`);
export const subtitlePlaylistName = (id: string) => `index_0_${id}.m3u8`;
export const subtitleSegmentName = (number: number, id: string) => `segment${number}_0_${id}.vtt`;

// The segment number of a file name, or null when it is not a segment name.
export function segmentNumber(name: string): number | null {
  const match = SEGMENT_PATTERN.exec(name);
  return match ? Number(match[1]) : null;
}

// A short stable key for a rendition path, safe as one file name.
export function renditionKey(renditionPath: string): string {
  return createHash('sha1').update(renditionPath).digest('hex').slice(0, 20);
}

const KEY = '([0-9a-f]{20})';

// .tmp/<key>.<host>.<pid>.<random>/: one packaging run; host names may contain dots.
export const tempRunName = (key: string, host: string, pid: number, random: string) => `${key}.${host}.${pid}.${random}`;
const TEMP_RUN_NAME = new RegExp(`^${KEY}\\.(.+)\\.(\\d+)\\.[0-9a-f]{8}$`);
export function parseTempRunName(name: string): { key: string; host: string; pid: number } | null {
  const match = TEMP_RUN_NAME.exec(name);
  return match ? { key: match[1], host: match[2], pid: Number(match[3]) } : null;
}

// .locks/<key>.lock, and the name a stale lock is renamed to while it is taken over.
export const lockName = (key: string) => `${key}.lock`;
const LOCK_NAME = new RegExp(`^${KEY}\\.lock$`);
export const parseLockName = (name: string): string | null => LOCK_NAME.exec(name)?.[1] ?? null;
export const asideLockName = (lock: string, random: string) => `${lock}.stale.${random}`;
const ASIDE_LOCK_NAME = new RegExp(`^${KEY}\\.lock\\.stale\\.[0-9a-f]{8}$`);
export const parseAsideLockName = (name: string): string | null => ASIDE_LOCK_NAME.exec(name)?.[1] ?? null;

// .locks/<key>.failed: a source that failed, remembered until its `until`.
export const failedName = (key: string) => `${key}.failed`;
const FAILED_NAME = new RegExp(`^${KEY}\\.failed$`);
export const parseFailedName = (name: string): string | null => FAILED_NAME.exec(name)?.[1] ?? null;

// .<name>.tmp-<pid>-<random> beside its target: a durable write (or a lock file) in progress.
export const atomicTempName = (target: string, pid: number, random: string) => `.${target}.tmp-${pid}-${random}`;
const ATOMIC_TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;
export function parseAtomicTempName(name: string): { target: string; pid: number } | null {
  const match = ATOMIC_TEMP_NAME.exec(name);
  return match ? { target: match[1], pid: Number(match[2]) } : null;
}

// <name>.part-<pid>-<random> beside a download's destination in .sources/.
export const partName = (target: string, pid: number, random: string) => `${target}.part-${pid}-${random}`;
const PART_NAME = /^(.+)\.part-(\d+)-[0-9a-f]{8}$/;
export function parsePartName(name: string): { target: string; pid: number } | null {
  const match = PART_NAME.exec(name);
  return match ? { target: match[1], pid: Number(match[2]) } : null;
}

// .trash/<name>.<random>: a directory renamed away, deleted right after.
export const trashName = (name: string, random: string) => `${name}.${random}`;
export function parseTrashName(name: string): string | null {
  const match = /^(.+)\.[0-9a-f]{12}$/.exec(name);
  return match ? match[1] : null;
}

export type RenditionFileRole = 'segment' | 'playlist' | 'info' | 'kfonly' | 'temp';

// The role of a regular file directly inside a rendition directory; null: not casterpak's.
export function renditionFileRole(name: string): RenditionFileRole | null {
  if (SEGMENT_PATTERN.test(name) || AUDIO_SEGMENT_PATTERN.test(name)) return 'segment';
  if (name === INDEX_PLAYLIST || AUDIO_PLAYLIST_PATTERN.test(name)) return 'playlist';
  if (name === RENDITION_INFO || name === SEGMENT_INDEX) return 'info';
  if (parseAtomicTempName(name)) return 'temp';
  return null;
}

// The role of a regular file inside a rendition's fmp4/ directory; null: not casterpak's. An
// init segment is made again on request like a media segment, so prune may take it as one.
export function fmp4FileRole(name: string): RenditionFileRole | null {
  if (FMP4_SEGMENT_PATTERN.test(name) || FMP4_INIT_PATTERN.test(name)) return 'segment';
  if (FMP4_PLAYLIST_PATTERN.test(name)) return 'playlist';
  return parseAtomicTempName(name) ? 'temp' : null;
}

// The role of a regular file inside a rendition's kfonly/ directory; null: not casterpak's.
export function iframePlaylistFileRole(name: string): RenditionFileRole | null {
  if (parseAtomicTempName(name)) return 'temp';
  return /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.m3u8$/.test(name) ? 'kfonly' : null;
}

// True when a file in .sources/ is a source copy: its name ends with a packaged extension.
export function isSourceName(name: string, mediaExtensions: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith('.') && mediaExtensions.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

export interface CacheLayout {
  readonly root: string;
  renditionDir(renditionPath: string): string;
  renditionInfo(renditionPath: string): string;
  sourceFile(renditionPath: string): string;
  tmpDir(): string;
  locksDir(): string;
  lockFile(key: string): string;
  failedFile(key: string): string;
  trashDir(): string;
  publishedDir(): string;
}

// Absolute paths under one cache directory.
export function cacheLayout(root: string): CacheLayout {
  const renditionDir = (renditionPath: string) => path.join(root, ...renditionPath.split('/'));
  return {
    root,
    renditionDir,
    renditionInfo: (renditionPath) => path.join(renditionDir(renditionPath), RENDITION_INFO),
    sourceFile: (renditionPath) => path.join(root, SOURCES_DIR, ...renditionPath.split('/')),
    tmpDir: () => path.join(root, TMP_DIR),
    locksDir: () => path.join(root, LOCKS_DIR),
    lockFile: (key) => path.join(root, LOCKS_DIR, lockName(key)),
    failedFile: (key) => path.join(root, LOCKS_DIR, failedName(key)),
    trashDir: () => path.join(root, TRASH_DIR),
    publishedDir: () => path.join(root, PUBLISHED_DIR),
  };
}
