// Builds the masters casterpak answers itself (`master.m3u8` of one rendition, Akamai `.csmil`
// of several) from what packaging measured: peak and average segment bit rate, codecs and
// resolution, plus the trick-play stream of each video rendition.
import { parseMasterPlaylist } from '../formats/hls/codec.js';
import { PlaylistFormatError } from '../formats/hls/errors.js';
import { CasterpakError } from '../shared/errors.js';
import { iframeStreamInfLine, streamInfLine, type IFrameStreamInfAttributes } from './stream-inf.js';
import { SUBTITLE_GROUP, audioGroups, audioMediaLine, type AudioRendition } from './audio-groups.js';

export interface MasterVariant {
  readonly uri: string;
  readonly bandwidth: number; // peak segment bit rate, bits/s (RFC 8216 §4.3.4.2)
  readonly averageBandwidth: number;
  readonly codecs: readonly string[];
  readonly resolution?: { readonly width: number; readonly height: number };
  readonly frameRate?: number;
  readonly iframe?: IFrameStreamInfAttributes;
}

// The CODECS entry of a video track once it is in MPEG-TS. The source's sample entry (avc3,
// hev1, hvc1) does not travel: the TS carries an elementary stream with its parameter sets in
// band, which players that read it (hls.js's TS parser, casterpak's own key-frame reader,
// formats/mpegts/hevc-sps.ts) describe as avc1/hvc1, and MSE players write exactly those sample
// entries when they transmux it. Apple's HLS authoring spec also names hvc1 for HEVC.
export function mpegTsCodec(codec: string): string {
  return codec.replace(/^avc3(?=\.|$)/, 'avc1').replace(/^hev1(?=\.|$)/, 'hvc1');
}

// With `audio` renditions (audio-groups.ts), every variant is listed once per audio group: its
// muxed audio stays in its stream, so the group's largest rendition is added on top of it.
// `subtitleLines`: EXT-X-MEDIA:TYPE=SUBTITLES lines of one group (audio-groups.ts), named by every variant.
export function buildMaster(
  variants: readonly MasterVariant[],
  audio: readonly AudioRendition[] = [],
  subtitleLines: readonly string[] = [],
): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS', ...audio.map(audioMediaLine), ...subtitleLines];
  const subtitles = subtitleLines.length > 0 ? SUBTITLE_GROUP : undefined;
  const sorted = [...variants].sort((a, b) => a.bandwidth - b.bandwidth);
  const groups = audioGroups(audio);
  for (const variant of sorted) {
    // casterpak never writes a caption rendition (EXT-X-MEDIA TYPE=CLOSED-CAPTIONS): RFC 8216
    // §4.3.4.2 NONE, on every EXT-X-STREAM-INF, as Apple's HLS authoring spec asks.
    const attrs = { ...variant, codecs: variant.codecs.join(','), subtitles, closedCaptions: 'NONE' as const };
    if (groups.length === 0) lines.push(streamInfLine(attrs), variant.uri);
    for (const group of groups) {
      const codecs = [...new Set([...variant.codecs, group.codec])].join(',');
      const bandwidth = variant.bandwidth + group.peak;
      const averageBandwidth = variant.averageBandwidth + group.average;
      lines.push(streamInfLine({ ...attrs, bandwidth, averageBandwidth, codecs, audio: group.id }), variant.uri);
    }
  }
  for (const variant of sorted) {
    if (variant.iframe) lines.push(iframeStreamInfLine(variant.iframe));
  }
  return checkedMaster(`${lines.join('\n')}\n`);
}

// A master as players get it, parsed strictly first: one that does not parse is a BAD_PLAYLIST.
export function checkedMaster(text: string): string {
  try {
    parseMasterPlaylist(text);
  } catch (error) {
    if (error instanceof PlaylistFormatError) throw new CasterpakError('BAD_PLAYLIST', error.message, { cause: error });
    throw error;
  }
  return text;
}
