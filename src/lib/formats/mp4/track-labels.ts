// What a track says of itself for a listener choosing among several: its language (mdhd, or the
// extended-language box elng, which wins) and whether it is enabled in tkhd, which is how MP4
// marks the default track of its kind (ffmpeg's "default" disposition sets exactly that flag).
import { boxEnd, findBox, fullBoxOf, requireBox, type BoxHeader } from './boxes.js';
import { u16 } from './byte-reader.js';

export interface TrackLabels {
  /** ISO 639-2/T code from mdhd, or the BCP 47 tag of elng; 'und' when unset. */
  readonly language: string;
  /** tkhd flag track_enabled (ISO/IEC 14496-12 §8.3.2). */
  readonly enabled: boolean;
}

// mdhd (§8.4.2) after its times: bit(1) pad; unsigned int(5)[3] language, each letter - 0x60.
function mdhdLanguage(bytes: Uint8Array, mdhd: BoxHeader): string {
  const { version, body } = fullBoxOf(bytes, mdhd);
  const packed = u16(bytes.subarray(0, boxEnd(mdhd)), body + (version === 1 ? 28 : 16), 'mdhd language');
  const letters = [10, 5, 0].map((shift) => ((packed >> shift) & 0x1f) + 0x60);
  // 0 (all letters 0x60) and QuickTime's numeric codes are "unspecified".
  if (letters.some((c) => c < 0x61 || c > 0x7a)) return 'und';
  return String.fromCharCode(...letters);
}

// elng (§8.4.6): FullBox; utf8string extended_language (a BCP 47 tag, NUL-terminated).
function elngLanguage(bytes: Uint8Array, elng: BoxHeader): string | null {
  const { body } = fullBoxOf(bytes, elng);
  let end = body;
  while (end < boxEnd(elng) && bytes[end] !== 0) end++;
  const tag = new TextDecoder().decode(bytes.subarray(body, end));
  return /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(tag) ? tag : null;
}

export function trackLabels(bytes: Uint8Array, trak: BoxHeader): TrackLabels {
  const mdhd = requireBox(bytes, ['mdia', 'mdhd'], trak);
  const elng = findBox(bytes, ['mdia', 'elng'], trak);
  const language = (elng && elngLanguage(bytes, elng)) ?? mdhdLanguage(bytes, mdhd);
  return { language, enabled: (fullBoxOf(bytes, requireBox(bytes, ['tkhd'], trak)).flags & 1) === 1 };
}
