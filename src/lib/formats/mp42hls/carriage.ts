// Whether mp42hls 1.5.0 can write a movie's tracks to MPEG-TS, decided from the moov alone, so
// that a file whose segments would all fail is refused at the playlist (docs/reliability.md,
// "Decided at the playlist"). mp42hls takes the first 'vide' and the first 'soun' track
// (mp42hlsTracks); when either cannot be carried, every segment would fail or lose it.
import type { Movie, Track } from '../mp4/moov.js';
import { mp42hlsTracks } from './segment-plan.js';

interface CarriageRefusal {
  /** codec: a kind of media mp42hls does not carry (415); broken: a carriable kind, badly described (422). */
  readonly kind: 'codec' | 'broken';
  readonly reason: string;
}

const VIDEO = /^(avc[1-4]|hvc1|hev1)$/;
// DecoderConfigDescriptor objectTypeIndication (ISO/IEC 14496-1 §7.2.6.6.2, the MP4 registration
// authority's table): MPEG-4 audio, MPEG-2 AAC Main, LC, SSR. mp42hls writes these as ADTS.
const AAC_OBJECT_TYPES = new Set([0x40, 0x66, 0x67, 0x68]);
// MPEG-1 and MPEG-2 part 3 audio (MP3, MP2) in an 'mp4a' entry: mp42hls fails on every sample
// ("failed to write samples (-18)").
const MPEG_AUDIO_OBJECT_TYPES = new Map([
  [0x6b, 'MPEG-1 audio (MP3)'],
  [0x69, 'MPEG-2 audio (MP3)'],
]);

const hex = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
const CARRIED = 'casterpak carries H.264/HEVC video and AAC, AC-3 or E-AC-3 audio';

function videoRefusal(track: Track): CarriageRefusal | null {
  const name = `video track ${track.id} ('${track.format}')`;
  if (!VIDEO.test(track.format)) return { kind: 'codec', reason: `${name} cannot be written to MPEG-TS; ${CARRIED}` };
  const avc = track.format.startsWith('avc');
  if (avc ? !track.avc : !track.hevc) return { kind: 'broken', reason: `${name} has no ${avc ? 'avcC' : 'hvcC'} decoder configuration` };
  return null;
}

function audioRefusal(track: Track): CarriageRefusal | null {
  const name = `audio track ${track.id} ('${track.format}')`;
  if (track.format === 'ac-3' || track.format === 'ec-3') return null;
  if (track.format !== 'mp4a') return { kind: 'codec', reason: `${name} cannot be written to MPEG-TS; ${CARRIED}` };
  const oti = track.esds?.objectTypeIndication;
  if (oti === undefined) return { kind: 'broken', reason: `${name} has no esds decoder configuration` };
  if (AAC_OBJECT_TYPES.has(oti)) return null;
  const what = MPEG_AUDIO_OBJECT_TYPES.get(oti) ?? `object type ${hex(oti)}`;
  return { kind: 'codec', reason: `${name} holds ${what}, which mp42hls cannot write to MPEG-TS; ${CARRIED}` };
}

// Only the tracks mp42hls would take matter; null when it carries them all.
export function carriageRefusal(movie: Movie): CarriageRefusal | null {
  const { video, audio } = mp42hlsTracks(movie);
  return (video && videoRefusal(video)) ?? (audio && audioRefusal(audio)) ?? null;
}

// The audio tracks an audio rendition can be made of (docs/tracks.md): every 'soun' track
// mp42hls can write, with one sample description (an extract names one, see extract.ts).
export function carriableAudioTracks(movie: Movie): Track[] {
  return movie.tracks.filter((t) => t.handler === 'soun' && audioRefusal(t) === null && t.samples.sampleDescriptionIndexes.length <= 1);
}
