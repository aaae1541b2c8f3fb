// The master of a film's fMP4 form (docs/formats.md): one video variant per audio group, the audio
// tracks as EXT-X-MEDIA renditions of their own (RFC 8216 §4.3.4.1: one track per fMP4 rendition,
// so audio is never muxed), and the same lines added to an HEVC source's MPEG-TS master so that
// Apple devices, which play HEVC only from fMP4 (Apple's HLS authoring specification), find it.
import type { Fmp4Rendition } from '../formats/fmp4/tracks.js';
import { KFONLY_DIR, fmp4PlaylistName } from '../cache/names.js';
import { bcp47, distinctNames, languageName } from '../formats/hls/language.js';
import { SUBTITLE_GROUP, audioGroups, audioMediaLine, type AudioRendition } from './audio-groups.js';
import { iframeStreamInfLine, streamInfLine } from './stream-inf.js';
import { checkedMaster } from './master-build.js';

// The audio renditions, one group per codec as audio-groups.ts makes them, named apart from the
// MPEG-TS master's groups they may sit beside; `base` is the fmp4/ directory's URL.
function audioOf(renditions: readonly Fmp4Rendition[], base: string): AudioRendition[] {
  const tracks = renditions.filter((r) => r.kind === 'audio');
  const groups = new Map<string, Fmp4Rendition[]>();
  for (const t of tracks) groups.set(t.codec, [...(groups.get(t.codec) ?? []), t]);
  return [...groups].flatMap(([codec, members]) => {
    const chosen = members.find((t) => t.enabled) ?? members[0];
    const languages = members.map((t) => bcp47(t.language));
    const names = distinctNames(members.map((t, i) => languageName(languages[i]) ?? `Track ${t.trackId}`));
    return members.map((t, i) => ({
      trackId: t.trackId,
      groupId: `fmp4-audio-${codec}`,
      codec,
      language: languages[i],
      name: names[i],
      isDefault: t === chosen,
      ...(t.channels ? { channels: t.channels } : {}),
      uri: base + fmp4PlaylistName(t.ref),
      peak: t.peak,
      average: t.average,
    }));
  });
}

// The video's I-frame variant (RFC 8216 §4.3.4.3), its playlist at fmp4/kfonly/index_0_v.m3u8.
function iframeLines(renditions: readonly Fmp4Rendition[], base: string): string[] {
  const video = renditions.find((r) => r.kind === 'video');
  if (!video?.iframe) return [];
  const resolution = video.width && video.height ? { width: video.width, height: video.height } : undefined;
  const { peak, average } = video.iframe;
  const uri = `${base}${KFONLY_DIR}/${fmp4PlaylistName('v')}`;
  return [iframeStreamInfLine({ bandwidth: peak, averageBandwidth: average, codecs: video.codec, resolution, uri })];
}

// EXT-X-MEDIA lines and variant lines (EXT-X-STREAM-INF and URI) of the fMP4 form; with
// `subtitles`, each variant names the SUBTITLES group (audio-groups.ts).
function fmp4Lines(renditions: readonly Fmp4Rendition[], base: string, subtitles?: string): { media: string[]; variants: string[] } {
  const audio = audioOf(renditions, base);
  const groups = audioGroups(audio);
  const video = renditions.find((r) => r.kind === 'video');
  if (!video) {
    // An audio-only film: each group's default rendition is the variant itself.
    const variants = groups.flatMap((g) => {
      const chosen = audio.find((a) => a.groupId === g.id && a.isDefault) ?? audio.find((a) => a.groupId === g.id)!;
      return [
        streamInfLine({ bandwidth: chosen.peak, averageBandwidth: chosen.average, codecs: g.codec, closedCaptions: 'NONE' }),
        chosen.uri,
      ];
    });
    return { media: [], variants };
  }
  const attrs = {
    resolution: video.width && video.height ? { width: video.width, height: video.height } : undefined,
    frameRate: video.frameRate,
    subtitles,
    closedCaptions: 'NONE' as const,
  };
  const uri = base + fmp4PlaylistName('v');
  if (groups.length === 0)
    return {
      media: [],
      variants: [streamInfLine({ ...attrs, bandwidth: video.peak, averageBandwidth: video.average, codecs: video.codec }), uri],
    };
  const variants = groups.flatMap((g) => [
    streamInfLine({
      ...attrs,
      bandwidth: video.peak + g.peak,
      averageBandwidth: video.average + g.average,
      codecs: `${video.codec},${g.codec}`,
      audio: g.id,
    }),
    uri,
  ]);
  return { media: audio.map(audioMediaLine), variants };
}

// `fmp4/master.m3u8`: version 7 as Apple's authoring specification asks of fMP4 streams.
// `subtitleLines`: the EXT-X-MEDIA:TYPE=SUBTITLES lines of one group (audio-groups.ts), the
// WebVTT renditions the MPEG-TS form lists too.
export function buildFmp4Master(renditions: readonly Fmp4Rendition[], base: string, subtitleLines: readonly string[] = []): string {
  const fmp4 = fmp4Lines(renditions, base, subtitleLines.length > 0 ? SUBTITLE_GROUP : undefined);
  const media = [...fmp4.media, ...subtitleLines];
  const { variants } = fmp4;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS', ...media, ...variants, ...iframeLines(renditions, base)];
  return checkedMaster(`${lines.join('\n')}\n`);
}

// Apple plays HEVC from fMP4 only with the hvc1 sample entry (parameter sets in the hvcC, Apple's
// HLS authoring specification); a hev1 source keeps its MPEG-TS master unchanged.
export const wantsFmp4Variant = (renditions: readonly Fmp4Rendition[]): boolean =>
  renditions.some((r) => r.kind === 'video' && r.codec.startsWith('hvc1.'));

// An MPEG-TS master (master-build.ts) with the fMP4 form's lines added: its EXT-X-MEDIA after the
// header, its variants after the MPEG-TS ones, so a client that takes the first variant gets
// what it got before.
export function withFmp4Variants(tsMaster: string, renditions: readonly Fmp4Rendition[], base: string): string {
  const { media, variants } = fmp4Lines(renditions, base);
  const lines = tsMaster.trimEnd().split('\n');
  const header = lines.indexOf('#EXT-X-INDEPENDENT-SEGMENTS') + 1;
  const firstIFrame = lines.findIndex((l) => l.startsWith('#EXT-X-I-FRAME-STREAM-INF:'));
  const end = firstIFrame < 0 ? lines.length : firstIFrame;
  const all = [
    ...lines.slice(0, header),
    ...media,
    ...lines.slice(header, end),
    ...variants,
    ...lines.slice(end),
    ...iframeLines(renditions, base),
  ];
  return checkedMaster(`${all.join('\n')}\n`);
}
