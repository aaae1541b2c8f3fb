// The Akamai HD / MSOD file names casterpak serves inside a rendition directory.

export const INDEX_PLAYLIST = 'index_0_av.m3u8';
export const MASTER_PLAYLIST = 'master.m3u8';
export const KFONLY_DIR = 'kfonly';
export const RENDITION_INFO = '.rendition.json';
export const SEGMENT_PATTERN = /^segment([1-9]\d{0,5})_0_av\.ts$/;

export function segmentName(number: number): string {
  return `segment${number}_0_av.ts`;
}

// Returns the segment number of a file name, or null when it is not a segment name.
export function segmentNumber(name: string): number | null {
  const match = SEGMENT_PATTERN.exec(name);
  return match ? Number(match[1]) : null;
}
