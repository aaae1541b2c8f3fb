// Decoder configuration records a master playlist's CODECS attribute is built from:
// avcC and hvcC (ISO/IEC 14496-15) and esds with its AudioSpecificConfig (ISO/IEC 14496-1, -3).
import { need, u32, u8 } from './byte-reader.js';
import { Mp4FormatError } from './errors.js';

// The fields CODECS="avc1.PPCCLL" needs, with the raw record kept for mp42hls's prefix sizes.
export interface AvcConfig {
  readonly profile: number;
  readonly profileCompatibility: number;
  readonly level: number;
  readonly nalUnitLengthSize: number;
  /** The whole avcC payload (AVCDecoderConfigurationRecord). */
  readonly raw: Uint8Array;
}

// avc1.PPCCLL comes from bytes 1..3 of the record (14496-15 §5.3.3.1):
//   u8 configurationVersion; u8 AVCProfileIndication; u8 profile_compatibility;
//   u8 AVCLevelIndication; bit(6) reserved; u(2) lengthSizeMinusOne; ...
export function parseAvcC(raw: Uint8Array): AvcConfig {
  need(raw, 0, 5, 'avcC');
  return {
    profile: raw[1],
    profileCompatibility: raw[2],
    level: raw[3],
    nalUnitLengthSize: (raw[4] & 3) + 1,
    raw,
  };
}

// The fields CODECS="hvc1.…" needs, with the raw record kept for mp42hls's prefix sizes.
export interface HevcConfig {
  readonly profileSpace: number;
  readonly tier: number;
  readonly profile: number;
  /** 32 general_profile_compatibility_flags, as an unsigned number. */
  readonly profileCompatibility: number;
  /** The 6 bytes of general_constraint_indicator_flags. */
  readonly constraints: Uint8Array;
  readonly level: number;
  readonly nalUnitLengthSize: number;
  readonly raw: Uint8Array;
}

// hvc1.<space+profile>.<compat>.<tier+level>.<constraints> (14496-15 §8.3.3.1):
//   u8 configurationVersion; u(2) general_profile_space; u(1) general_tier_flag;
//   u(5) general_profile_idc; u32 general_profile_compatibility_flags;
//   u48 general_constraint_indicator_flags; u8 general_level_idc; ... byte 21: u(6) misc, u(2) lengthSizeMinusOne
export function parseHvcC(raw: Uint8Array): HevcConfig {
  need(raw, 0, 22, 'hvcC');
  return {
    profileSpace: raw[1] >> 6,
    tier: (raw[1] >> 5) & 1,
    profile: raw[1] & 0x1f,
    profileCompatibility: u32(raw, 2),
    constraints: raw.slice(6, 12),
    level: raw[12],
    nalUnitLengthSize: (raw[21] & 3) + 1,
    raw,
  };
}

// The fields CODECS="mp4a.40.2" needs (object type indication, audio object type).
export interface EsdsConfig {
  /** DecoderConfigDescriptor objectTypeIndication (0x40 = MPEG-4 audio). */
  readonly objectTypeIndication: number;
  readonly maxBitrate: number;
  readonly avgBitrate: number;
  /** From the AudioSpecificConfig, when present (2 = AAC LC); mp4a.40.<this>. */
  readonly audioObjectType?: number;
  readonly samplingFrequency?: number;
  readonly channelConfiguration?: number;
  readonly decoderSpecificInfo?: Uint8Array;
}

// Descriptor lengths use 1-4 bytes of 7 bits each, high bit = "more" (14496-1 §8.3.3).
function readDescriptor(bytes: Uint8Array, at: number, end: number): { tag: number; body: number; end: number } {
  const tag = u8(bytes, at, 'descriptor tag');
  let size = 0;
  let p = at + 1;
  for (let i = 0; i < 4; i++) {
    const b = u8(bytes, p++, 'descriptor size');
    size = size * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) break;
  }
  if (p + size > end) throw new Mp4FormatError(`esds descriptor 0x${tag.toString(16)} overruns its box`);
  return { tag, body: p, end: p + size };
}

const SAMPLING_FREQUENCIES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

// The audio object type (mp4a.40.2) lives in the AudioSpecificConfig (14496-3 §1.6.2.1):
//   u(5) audioObjectType [31: u(6)+32]; u(4) samplingFrequencyIndex [15: u(24)]; u(4) channelConfiguration
function parseAudioSpecificConfig(asc: Uint8Array): Pick<EsdsConfig, 'audioObjectType' | 'samplingFrequency' | 'channelConfiguration'> {
  let bit = 0;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) {
      const byte = u8(asc, bit >> 3, 'AudioSpecificConfig');
      v = v * 2 + ((byte >> (7 - (bit & 7))) & 1);
    }
    return v;
  };
  let audioObjectType = read(5);
  if (audioObjectType === 31) audioObjectType = 32 + read(6);
  const index = read(4);
  const samplingFrequency = index === 15 ? read(24) : SAMPLING_FREQUENCIES[index];
  return { audioObjectType, samplingFrequency, channelConfiguration: read(4) };
}

// esds is a FullBox holding an ES_Descriptor (tag 3) > DecoderConfigDescriptor (tag 4)
// > DecoderSpecificInfo (tag 5). `payload` starts after the box header (version+flags first).
//   ES_Descriptor: u16 ES_ID; u(1) streamDependenceFlag; u(1) URL_Flag; u(1) OCRstreamFlag;
//     u(5) streamPriority; [u16 dependsOn_ES_ID]; [u8 URLlength; URL]; [u16 OCR_ES_Id]
//   DecoderConfigDescriptor: u8 objectTypeIndication; u(6) streamType; u(1) upStream; u(1) reserved;
//     u24 bufferSizeDB; u32 maxBitrate; u32 avgBitrate; DecoderSpecificInfo
export function parseEsds(payload: Uint8Array): EsdsConfig {
  const es = readDescriptor(payload, 4, payload.length);
  if (es.tag !== 3) throw new Mp4FormatError(`esds: expected ES_Descriptor, found tag ${es.tag}`);
  const flags = u8(payload, es.body + 2, 'ES_Descriptor flags');
  let p = es.body + 3;
  if (flags & 0x80) p += 2;
  if (flags & 0x40) p += 1 + u8(payload, p, 'URL length');
  if (flags & 0x20) p += 2;
  const dc = readDescriptor(payload, p, es.end);
  if (dc.tag !== 4) throw new Mp4FormatError(`esds: expected DecoderConfigDescriptor, found tag ${dc.tag}`);
  need(payload, dc.body, 13, 'DecoderConfigDescriptor');
  const base = {
    objectTypeIndication: payload[dc.body],
    maxBitrate: u32(payload, dc.body + 5),
    avgBitrate: u32(payload, dc.body + 9),
  };
  if (dc.end - (dc.body + 13) < 2 || payload[dc.body + 13] !== 5) return base;
  const dsi = readDescriptor(payload, dc.body + 13, dc.end);
  const decoderSpecificInfo = payload.slice(dsi.body, dsi.end);
  if (base.objectTypeIndication !== 0x40 || decoderSpecificInfo.length < 2) return { ...base, decoderSpecificInfo };
  return { ...base, decoderSpecificInfo, ...parseAudioSpecificConfig(decoderSpecificInfo) };
}
