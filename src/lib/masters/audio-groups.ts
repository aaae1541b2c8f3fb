// The audio and subtitle renditions a master lists (docs/tracks.md): one EXT-X-MEDIA:TYPE=AUDIO per audio
// track casterpak carries (RFC 8216 §4.3.4.1), one group per codec, each variant repeated per
// group (§4.3.4.1.1: a variant names one AUDIO group). Listed only when the film offers a choice:
// with one audio track the variant's own muxed audio is all there is.
import type { MediaInfo } from '../formats/mp4/media-info.js';
import { audioPlaylistName } from '../cache/names.js';
import { bcp47, distinctNames, languageName } from '../formats/hls/language.js';

export interface AudioRendition {
  readonly trackId: number;
  readonly groupId: string;
  readonly codec: string;
  readonly language: string;
  readonly name: string;
  readonly isDefault: boolean;
  readonly channels?: number;
  readonly uri: string;
  /** The rendition's peak and average segment bit rates, bits/s. */
  readonly peak: number;
  readonly average: number;
}

// What of a rendition's `.rendition.json` (cache/rendition-info.ts) the groups are made of.
interface AudioSource {
  readonly media: MediaInfo;
  readonly audioBitrates?: Readonly<Record<string, { readonly peak: number; readonly average: number }>>;
}

// The audio renditions of a rendition whose directory URL is `base` (ending in /); none when
// its info predicts fewer than two (a whole-file run predicts none).
export function audioRenditionsOf(info: AudioSource, base: string): AudioRendition[] {
  const rates = info.audioBitrates ?? {};
  const tracks = info.media.tracks.filter((t) => t.type === 'audio' && rates[String(t.id)] !== undefined);
  if (tracks.length < 2) return [];
  const groups = new Map<string, typeof tracks>();
  for (const t of tracks) groups.set(t.codec, [...(groups.get(t.codec) ?? []), t]);
  return [...groups].flatMap(([codec, members]) => {
    const chosen = members.find((t) => t.default) ?? members[0];
    const languages = members.map((t) => bcp47(t.language ?? 'und'));
    const names = distinctNames(members.map((t, i) => languageName(languages[i]) ?? `Track ${t.id}`));
    return members.map((t, i) => ({
      trackId: t.id,
      groupId: `audio-${codec}`,
      codec,
      language: languages[i],
      name: names[i],
      isDefault: t === chosen,
      ...(t.channels ? { channels: t.channels } : {}),
      uri: `${base}${audioPlaylistName(t.id)}`,
      peak: rates[String(t.id)].peak,
      average: rates[String(t.id)].average,
    }));
  });
}

// §4.3.4.1: quoted-string values may not hold '"' or line breaks.
const quoted = (text: string) => `"${text.replace(/["\r\n]/g, "'")}"`;

export function audioMediaLine(r: AudioRendition): string {
  const attrs = [
    'TYPE=AUDIO',
    `GROUP-ID=${quoted(r.groupId)}`,
    `LANGUAGE=${quoted(r.language)}`,
    `NAME=${quoted(r.name)}`,
    `DEFAULT=${r.isDefault ? 'YES' : 'NO'}`,
    'AUTOSELECT=YES',
    ...(r.channels ? [`CHANNELS="${r.channels}"`] : []),
    `URI=${quoted(r.uri)}`,
  ];
  return `#EXT-X-MEDIA:${attrs.join(',')}`;
}

// Each group once, with its codec and its largest rendition's rates (§4.3.4.2: a variant's
// BANDWIDTH counts the largest rendition of the group it names).
export function audioGroups(renditions: readonly AudioRendition[]): { id: string; codec: string; peak: number; average: number }[] {
  const groups = new Map<string, { id: string; codec: string; peak: number; average: number }>();
  for (const r of renditions) {
    const g = groups.get(r.groupId) ?? { id: r.groupId, codec: r.codec, peak: 0, average: 0 };
    groups.set(r.groupId, { ...g, peak: Math.max(g.peak, r.peak), average: Math.max(g.average, r.average) });
  }
  return [...groups.values()];
}

// A subtitle rendition as a master lists it (EXT-X-MEDIA:TYPE=SUBTITLES, RFC 8216 §4.3.4.1).
interface SubtitleMedia {
  readonly id: string;
  readonly language: string;
  readonly isDefault: boolean;
  readonly trackId?: number;
}

export const SUBTITLE_GROUP = 'subs';

// One group: NAMEs as for audio (the language's name, else "Subtitles <N>"), one DEFAULT at most.
export function subtitleMediaLines(subtitles: readonly SubtitleMedia[], base: string, playlistName: (id: string) => string): string[] {
  const languages = subtitles.map((s) => bcp47(s.language));
  const names = distinctNames(subtitles.map((s, i) => languageName(languages[i]) ?? `Subtitles ${i + 1}`));
  const chosen = subtitles.find((s) => s.isDefault);
  return subtitles.map((s, i) =>
    [
      '#EXT-X-MEDIA:TYPE=SUBTITLES',
      `GROUP-ID="${SUBTITLE_GROUP}"`,
      `LANGUAGE=${quoted(languages[i])}`,
      `NAME=${quoted(names[i])}`,
      `DEFAULT=${s === chosen ? 'YES' : 'NO'}`,
      'AUTOSELECT=YES',
      `URI=${quoted(base + playlistName(s.id))}`,
    ].join(','),
  );
}
