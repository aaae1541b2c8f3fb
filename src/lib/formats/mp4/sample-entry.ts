// The first sample entry of a track's `stsd` (ISO/IEC 14496-12 §8.5.2): its format fourcc,
// picture size or audio parameters, and the codec configuration boxes inside it.
import { boxEnd, childBoxes, fullBoxOf, payloadStart, readBoxHeader, type BoxHeader } from './boxes.js';
import { need, u16, u32, viewOf } from './byte-reader.js';
import { parseAvcC, parseEsds, parseHvcC, type AvcConfig, type EsdsConfig, type HevcConfig } from './codec-config.js';
import { Mp4FormatError } from './errors.js';

// Only the first sample description counts: it is the one mp42hls uses.
export interface SampleEntryInfo {
  /** avc1, avc3, hvc1, hev1, mp4a, ac-3, encv, ... */
  readonly format: string;
  /** Number of entries in the stsd. */
  readonly entryCount: number;
  readonly width?: number;
  readonly height?: number;
  readonly sampleRate?: number;
  readonly channelCount?: number;
  readonly avc?: AvcConfig;
  readonly hevc?: HevcConfig;
  readonly esds?: EsdsConfig;
}

type Draft = { -readonly [K in keyof SampleEntryInfo]: SampleEntryInfo[K] };

// SampleEntry: u8[6] reserved; u16 data_reference_index.
const SAMPLE_ENTRY_BYTES = 8;
// VisualSampleEntry (§12.1.3): u16 pre_defined; u16 reserved; u32[3] pre_defined; u16 width;
// u16 height; u32 horizresolution; u32 vertresolution; u32 reserved; u16 frame_count;
// u8[32] compressorname; u16 depth; i16 pre_defined  (70 bytes, then child boxes)
const VISUAL_BYTES = SAMPLE_ENTRY_BYTES + 70;
// AudioSampleEntry (§12.2.3): u32[2] reserved (QuickTime: u16 version, u16 revision, u32 vendor);
// u16 channelcount; u16 samplesize; u16 pre_defined; u16 reserved; u32 samplerate (16.16)
// (20 bytes, then child boxes). QuickTime version 1 adds 16 bytes; version 2 adds 36, with
// f64 sampleRate at +4 and u32 channel count at +12 of that extension.
const AUDIO_BYTES = SAMPLE_ENTRY_BYTES + 20;

// QuickTime ends a `wave` with a terminator atom (size 8, type 0; QuickTime File Format,
// "Sound sample description extensions"), which is no box: the children end where it starts.
function beforeTerminator(bytes: Uint8Array, start: number, end: number): number {
  for (let at = start, size = 0; at + 8 <= end; at += size) {
    size = u32(bytes, at);
    if (size === 8 && u32(bytes, at + 4) === 0) return at;
    if (size < 8) break;
  }
  return end;
}

// Codec configuration boxes may sit directly in the entry or, in QuickTime audio, in `wave`.
function configOf(bytes: Uint8Array, start: number, end: number, into: Draft): void {
  for (const box of childBoxes(bytes, start, beforeTerminator(bytes, start, end))) {
    const body = bytes.subarray(payloadStart(box), boxEnd(box));
    if (box.type === 'avcC') into.avc = parseAvcC(body.slice());
    else if (box.type === 'hvcC') into.hevc = parseHvcC(body.slice());
    else if (box.type === 'esds') into.esds = parseEsds(body);
    else if (box.type === 'wave') configOf(bytes, payloadStart(box), boxEnd(box), into);
  }
}

// The picture size mp42hls and the master playlist report come from here when tkhd is 0.
function visualEntry(bytes: Uint8Array, entry: BoxHeader, into: Draft): void {
  const p = payloadStart(entry);
  if (p + VISUAL_BYTES > boxEnd(entry)) throw new Mp4FormatError(`visual sample entry '${entry.type}' too short`);
  into.width = u16(bytes, p + SAMPLE_ENTRY_BYTES + 16);
  into.height = u16(bytes, p + SAMPLE_ENTRY_BYTES + 18);
  configOf(bytes, p + VISUAL_BYTES, boxEnd(entry), into);
}

// Audio renditions need the sample rate and channel count (CHANNELS attribute).
function audioEntry(bytes: Uint8Array, entry: BoxHeader, into: Draft): void {
  const p = payloadStart(entry);
  if (p + AUDIO_BYTES > boxEnd(entry)) throw new Mp4FormatError(`audio sample entry '${entry.type}' too short`);
  const version = u16(bytes, p + SAMPLE_ENTRY_BYTES);
  let children = p + AUDIO_BYTES;
  into.channelCount = u16(bytes, p + SAMPLE_ENTRY_BYTES + 8);
  into.sampleRate = u32(bytes, p + SAMPLE_ENTRY_BYTES + 16) / 65536;
  if (version === 1) children += 16;
  if (version === 2) {
    need(bytes, children, 36, 'QuickTime v2 sound description');
    into.sampleRate = viewOf(bytes).getFloat64(children + 4);
    into.channelCount = u32(bytes, children + 12);
    children += 36;
  }
  if (children > boxEnd(entry)) throw new Mp4FormatError(`audio sample entry '${entry.type}' too short`);
  configOf(bytes, children, boxEnd(entry), into);
}

// `handler` picks the entry layout: a sample entry does not say whether it is visual or audio.
//   stsd: FullBox; u32 entry_count; SampleEntry[entry_count]
export function parseStsd(bytes: Uint8Array, stsd: BoxHeader, handler: string): SampleEntryInfo {
  const { body } = fullBoxOf(bytes, stsd);
  const entryCount = u32(bytes, body, 'stsd entry_count');
  if (entryCount < 1) throw new Mp4FormatError('stsd has no sample entry');
  const entry = readBoxHeader(bytes, body + 4, boxEnd(stsd));
  const info: Draft = { format: entry.type, entryCount };
  if (handler === 'vide') visualEntry(bytes, entry, info);
  else if (handler === 'soun') audioEntry(bytes, entry, info);
  return info;
}
