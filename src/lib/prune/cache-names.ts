// casterpak's own names in the cache directory. Prune deletes nothing else: whatever an
// operator or another program put in the cache stays.
import { INDEX_PLAYLIST, RENDITION_INFO, SEGMENT_PATTERN } from '../rendition/names.js';

// .tmp/<key>.<host>.<pid>.<random>/ (packager makeTempDir); host names may contain dots.
export const TEMP_RUN_NAME = /^([0-9a-f]{20})\.(.+)\.(\d+)\.[0-9a-f]{8}$/;
// .locks/<key>.lock, and the name tryLock renames a stale lock to while taking it over.
export const LOCK_NAME = /^([0-9a-f]{20})\.lock$/;
export const ASIDE_LOCK_NAME = /^([0-9a-f]{20})\.lock\.stale\.[0-9a-f]+$/;
// .locks/<key>.failed: a source that failed, remembered until its `until`.
export const FAILED_NAME = /^([0-9a-f]{20})\.failed$/;
// writeFileAtomic's temporary file beside its target, left behind by a killed process.
export const ATOMIC_TEMP_NAME = /^\..+\.tmp-\d+-[0-9a-f]{8}$/;
// downloadToFile's partial file beside its destination (.sources/…), left by a killed process.
export const PART_NAME = /^.+\.part-\d+-[0-9a-f]{8}$/;

export type RenditionFileRole = 'segment' | 'playlist' | 'info' | 'kfonly' | 'temp';

// The role of a regular file directly inside a rendition directory; null: not casterpak's.
export function renditionFileRole(name: string): RenditionFileRole | null {
  if (SEGMENT_PATTERN.test(name)) return 'segment';
  if (name === INDEX_PLAYLIST) return 'playlist';
  if (name === RENDITION_INFO) return 'info';
  if (ATOMIC_TEMP_NAME.test(name)) return 'temp';
  return null;
}

// The role of a regular file inside a rendition's kfonly/ directory; null: not casterpak's.
export function kfonlyFileRole(name: string): RenditionFileRole | null {
  if (ATOMIC_TEMP_NAME.test(name)) return 'temp';
  return /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.m3u8$/.test(name) ? 'kfonly' : null;
}

// True when a file in .sources/ is a source copy: its name ends with a packaged extension.
export function isSourceName(name: string, mediaExtensions: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith('.') && mediaExtensions.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}
