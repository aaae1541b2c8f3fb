// A static DASH manifest (ISO/IEC 23009-1) over the fMP4 renditions' own init and media segments
// (docs/formats.md): the isoff-live profile, a SegmentTemplate per Representation with
// `$Number$` names (segment K of the HLS playlists is `$Number$` K) and a SegmentTimeline of the
// segments' exact tfdt and durations in the track's timescale (§5.3.9.6). The tfdts are on the
// presentation timeline, video and audio moved by one common offset, and the init segments carry
// no edit list: with no presentationTimeOffset (0), S@t of a track's first segment is its first
// tfdt, not 0, and the Period's times are the media's for every Representation (docs/formats.md).
import type { Fmp4Rendition } from './tracks.js';

// One Representation: a rendition and the URL its fmp4/ files are under (relative to the MPD).
export interface MpdRepresentation {
  readonly rendition: Fmp4Rendition;
  readonly base: string;
  readonly init: string;
  /** The media segment name with `$Number$` in place of the number. */
  readonly media: string;
}

// XML attribute values (W3C XML 1.0 §2.4): &, <, > and " escaped.
const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const attrs = (values: Record<string, string | number | undefined>) =>
  Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${xml(String(v))}"`)
    .join('');

// §5.3.9.6.3: S@t where a segment does not follow its predecessor, S@r for a run of equal durations.
function timelineLines(timeline: Fmp4Rendition['timeline']): string[] {
  const lines: string[] = [];
  let i = 0;
  while (i < timeline.length) {
    const { t, d } = timeline[i];
    let r = 0;
    while (i + r + 1 < timeline.length && timeline[i + r + 1].d === d && timeline[i + r + 1].t === t + (r + 1) * d) r++;
    const follows = i > 0 && timeline[i - 1].t + timeline[i - 1].d === t;
    lines.push(`<S${attrs({ t: follows ? undefined : t, d, r: r > 0 ? r : undefined })}/>`);
    i += r + 1;
  }
  return lines;
}

function representation(rep: MpdRepresentation, id: string): string[] {
  const r = rep.rendition;
  const frameRate = r.frameRate ? String(Math.round(r.frameRate * 1000) / 1000) : undefined;
  return [
    `<Representation${attrs({
      id,
      bandwidth: r.peak,
      codecs: r.codec,
      width: r.width,
      height: r.height,
      frameRate,
      audioSamplingRate: r.sampleRate,
    })}>`,
    ...(r.channels
      ? [`<AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${r.channels}"/>`]
      : []),
    `<SegmentTemplate${attrs({ timescale: r.timescale, initialization: rep.base + rep.init, media: rep.base + rep.media, startNumber: 1 })}>`,
    '<SegmentTimeline>',
    ...timelineLines(r.timeline),
    '</SegmentTimeline>',
    '</SegmentTemplate>',
    '</Representation>',
  ];
}

const duration = (ms: number) => `PT${(Math.max(0, ms) / 1000).toFixed(3)}S`;

// Video Representations (one per rendition: a .csmil's members, switchable) in one
// AdaptationSet; each audio track in its own (§5.3.3: an AdaptationSet holds one content
// component; tracks in other languages are other content), keyed by track ID.
export function buildMpd(representations: readonly MpdRepresentation[], durationMs: number): string {
  const video = representations.filter((r) => r.rendition.kind === 'video');
  const audioTracks = [...new Set(representations.filter((r) => r.rendition.kind === 'audio').map((r) => r.rendition.trackId))];
  const sets: string[][] = [];
  if (video.length > 0)
    sets.push([
      `<AdaptationSet${attrs({ id: 0, contentType: 'video', mimeType: 'video/mp4', segmentAlignment: 'true', startWithSAP: 1 })}>`,
      ...video.flatMap((r, i) => representation(r, `v${i}`)),
      '</AdaptationSet>',
    ]);
  for (const trackId of audioTracks) {
    const members = representations.filter((r) => r.rendition.kind === 'audio' && r.rendition.trackId === trackId);
    const first = members[0].rendition;
    sets.push([
      `<AdaptationSet${attrs({ id: trackId, contentType: 'audio', mimeType: 'audio/mp4', lang: first.language === 'und' ? undefined : first.language, segmentAlignment: 'true', startWithSAP: 1 })}>`,
      ...(first.enabled ? ['<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>'] : []),
      ...members.flatMap((r, i) => representation(r, `a${trackId}-${i}`)),
      '</AdaptationSet>',
    ]);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD${attrs({
      xmlns: 'urn:mpeg:dash:schema:mpd:2011',
      profiles: 'urn:mpeg:dash:profile:isoff-live:2011',
      type: 'static',
      mediaPresentationDuration: duration(durationMs),
      minBufferTime: 'PT2S',
    })}>`,
    `<Period id="0" start="PT0S">`,
    ...sets.flat(),
    '</Period>',
    '</MPD>',
    '',
  ].join('\n');
}
