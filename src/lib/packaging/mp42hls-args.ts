// The mp42hls command line for one rendition. mp42hls numbers segments from 0 and cannot
// write EXT-X-ALLOW-CACHE or MEDIA-SEQUENCE:1, so it writes raw names into a temporary
// directory and casterpak renames the segments and writes the playlist itself.

export const RAW_PLAYLIST = 'raw.m3u8';
export const RAW_IFRAMES = 'raw-iframes.m3u8';
export const RAW_SEGMENT_TEMPLATE = 'raw-%d.ts';

interface Mp42hlsOptions {
  readonly source: string;
  readonly outDir: string;
  readonly segmentDuration: number;
  /** Also write Bento4's own I-frame index (HLS v4); used as a test oracle. */
  readonly iframeIndex?: boolean;
  /** Segments written to standard output (Bento4's byte streams name it `-stdout`), the playlist
   * still a file naming them as RAW_SEGMENT_TEMPLATE would. */
  readonly segmentsToStdout?: boolean;
}

export function buildMp42hlsArgs(options: Mp42hlsOptions): string[] {
  const out = (name: string) => `${options.outDir}/${name}`;
  const args = [
    '--segment-duration',
    String(options.segmentDuration),
    '--index-filename',
    out(RAW_PLAYLIST),
    '--segment-filename-template',
    options.segmentsToStdout ? '-stdout' : out(RAW_SEGMENT_TEMPLATE),
    '--segment-url-template',
    RAW_SEGMENT_TEMPLATE,
  ];
  if (options.iframeIndex) args.push('--hls-version', '4', '--iframe-index-filename', out(RAW_IFRAMES));
  args.push(options.source);
  return args;
}
