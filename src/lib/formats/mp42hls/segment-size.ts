// Bytes of the MPEG-TS segments mp42hls 1.5.0 writes (Bento4 Ap4Mpeg2Ts.cpp, Mp42Hls.cpp) after
// normaliseContinuity (formats/mpegts/continuity.ts), and the bit rates a master playlist
// advertises (RFC 8216 §4.3.4.2), from the moov alone. A segment is one PAT and one PMT packet,
// then one PES per sample (ISO/IEC 13818-1 §2.4.3.6); normalisation gives each elementary-stream
// PID a multiple of 16 packets, so only per-PID packet counts matter, not their interleaving.
// AVC/HEVC samples (14496-15 §5.3.2, §8.3.2) become: [AUD 00 00 00 01 09 F0 (AVC, unless the
// sample starts with one)] [SPS, PPS (VPS) of the sample entry, each after 00 00 00 01, on sync
// samples and the first sample] and every NAL unit after a 3-byte start code in place of its
// length field. The moov does not say how many NAL units a sample holds: with 4-byte lengths a
// sample counts as one NAL unit without AUD, never below the real size and equal to it for a
// one-NAL-unit sample (x264/x265 write one per picture, plus an SEI in the first); 1- or 2-byte
// lengths (start codes grow the sample) are bounded by one NAL unit per (length + header) bytes.
import { peakBitRate } from '../hls/peak-bandwidth.js';
import { Mp4FormatError } from '../mp4/errors.js';
import type { Track } from '../mp4/moov.js';
import { decodeTimesOf, samplesIn } from '../mp4/sample-tables.js';
import { TS_PACKET_SIZE, TS_PAYLOAD_SIZE } from '../mpegts/packet.js';
import type { PlannedSegment, SegmentPlan } from './segment-plan.js';

/** adaptation_field_length, flags, 48-bit PCR (ISO/IEC 13818-1 §2.4.3.4): on every video PES, and on audio PES without video. */
const PCR_FIELD = 8;
/** PES header (§2.4.3.7) with PTS only (audio) and with PTS and DTS (mp42hls: every video PES). */
const [PES_PTS, PES_PTS_DTS] = [14, 19];
/** ADTS header without CRC (ISO/IEC 13818-7 §6.2), before every AAC frame. */
const ADTS = 7;
const [AUD, PSI_PACKETS, NAL_START_CODE] = [6, 2, 3];

/** prefix: parameter-set bytes, start codes included; nalHeader: smallest NAL unit header (AVC 1, HEVC 2). */
export interface VideoModel {
  readonly track: Track;
  readonly lengthSize: number;
  readonly prefix: number;
  readonly aud: number;
  readonly nalHeader: number;
}

export interface Model {
  readonly video?: VideoModel;
  readonly audio?: Track;
  readonly adts: number;
  readonly audioPcr: boolean;
}

// avcC (14496-15 §5.3.3.1): byte 5 u(5) numOfSequenceParameterSets, {u16 length; SPS},
// u8 numOfPictureParameterSets, {u16 length; PPS}; mp42hls writes each after 00 00 00 01.
function avcPrefix(raw: Uint8Array): number {
  let at = 6;
  let bytes = 0;
  const sets = (count: number): void => {
    for (let i = 0; i < count; i++, at += 2 + ((raw[at] << 8) | raw[at + 1])) bytes += 4 + ((raw[at] << 8) | raw[at + 1]);
  };
  sets(raw[5] & 31);
  sets(raw[at++]);
  return bytes;
}

// hvcC (14496-15 §8.3.3.1): byte 22 numOfArrays, {u8 NAL_unit_type (low 6 bits); u16 numNalus;
// {u16 length; NAL unit}}; mp42hls writes the VPS (32), SPS (33) and PPS (34) arrays only.
function hevcPrefix(raw: Uint8Array): number {
  let at = 23;
  let bytes = 0;
  for (let a = 0; a < raw[22] && at + 3 <= raw.length; a++) {
    const type = raw[at] & 0x3f;
    const count = (raw[at + 1] << 8) | raw[at + 2];
    at += 3;
    for (let n = 0; n < count && at + 2 <= raw.length; n++, at += 2 + ((raw[at] << 8) | raw[at + 1])) {
      if (type >= 32 && type <= 34) bytes += 4 + ((raw[at] << 8) | raw[at + 1]);
    }
  }
  return bytes;
}

function videoModel(track: Track): VideoModel {
  const indexes = track.samples.sampleDescriptionIndexes;
  if (indexes.length > 1 || (indexes[0] ?? 1) !== 1)
    throw new Mp4FormatError(`track ${track.id}: parameter sets of sample descriptions other than the first are not read`);
  if (track.avc && /^avc[1-4]$/.test(track.format))
    return { track, lengthSize: track.avc.nalUnitLengthSize, prefix: avcPrefix(track.avc.raw), aud: AUD, nalHeader: 1 };
  if (track.hevc && /^(hvc1|hev1)$/.test(track.format))
    return { track, lengthSize: track.hevc.nalUnitLengthSize, prefix: hevcPrefix(track.hevc.raw), aud: 0, nalHeader: 2 };
  throw new Mp4FormatError(`track ${track.id}: mp42hls cannot write '${track.format}' video to MPEG-TS`);
}

export function modelOf(plan: SegmentPlan): Model {
  const audio = plan.audioTrack;
  if (audio && !['mp4a', 'ac-3', 'ec-3'].includes(audio.format))
    throw new Mp4FormatError(`track ${audio.id}: mp42hls cannot write '${audio.format}' audio to MPEG-TS`);
  const video = plan.videoTrack && videoModel(plan.videoTrack);
  return { video, audio, adts: audio?.format === 'mp4a' ? ADTS : 0, audioPcr: !video };
}

// As mp42hls's WritePES: the first packet carries min(PES bytes, 184 - PCR field), the rest 184 each; the
// last is stuffed through its adaptation field to 188 bytes (§2.4.3.5).
export function pesPackets(pesBytes: number, withPcr: boolean): number {
  const first = TS_PAYLOAD_SIZE - (withPcr ? PCR_FIELD : 0);
  return pesBytes <= first ? 1 : 1 + Math.ceil((pesBytes - first) / TS_PAYLOAD_SIZE);
}

// The Annex B bytes mp42hls makes of video sample i (an upper bound, see the file comment; exact
// given the sample's NAL units, `known`, when it holds no AUD).
function videoEsBytes(m: VideoModel, i: number, known?: number): number {
  const { sizes, sync } = m.track.samples;
  return esBytes(m, sizes[i], sync[i] !== 0 || i === 0, known);
}

// The same of a sample of `size` bytes, with the sample entry's parameter sets before it or not.
function esBytes(m: VideoModel, size: number, withParameterSets: boolean, known?: number): number {
  const L = m.lengthSize;
  if ((L !== 1 && L !== 2 && L !== 4) || size < L) return 0; // mp42hls writes no NAL unit at all
  const nalUnits = known ?? (L === 4 ? 1 : Math.max(1, Math.floor(size / (L + m.nalHeader))));
  return m.aud + (withParameterSets ? m.prefix : 0) + size + nalUnits * (NAL_START_CODE - L);
}

/** The PES bytes (header and payload) of video sample i, and of audio sample i. */
export const videoPesBytes = (m: VideoModel, i: number, nalUnits?: number): number => PES_PTS_DTS + videoEsBytes(m, i, nalUnits);
export const audioPesBytes = (m: Model, audio: Track, i: number): number => audioSizePes(m, audio.samples.sizes[i]);
const audioSizePes = (m: Model, size: number): number => PES_PTS + m.adts + size;
// The PES bytes of a video sample of `size` bytes, with the parameter sets before it or not.
const videoSizePes = (m: VideoModel, size: number, withParameterSets: boolean): number => PES_PTS_DTS + esBytes(m, size, withParameterSets);
const ceil16 = (n: number): number => Math.ceil(n / 16) * 16;

// Per elementary stream, the packets mp42hls writes for one segment (before normalisation).
interface PacketCounts {
  readonly video: number;
  readonly audio: number;
}

// The video and audio PES packets summed over the segment's samples, their tables read once: a
// 2-hour film is 518,000 samples, and reading them through tracks of several shapes (the
// presentation timeline copies them) per sample cost more than the sums. Its sizes alone
// (samplesIn): one segment's count needs not the whole film's table.
function packetCounts(m: Model, segment: PlannedSegment): PacketCounts {
  let video = 0;
  let audio = 0;
  if (m.video && segment.video) {
    const { start, end } = segment.video;
    const { sync } = m.video.track.samples;
    const sizes = samplesIn(m.video.track.samples, 'sizes', start, end);
    for (let i = start; i < end; i++) video += pesPackets(videoSizePes(m.video, sizes[i - start], sync[i] !== 0 || i === 0), true);
  }
  if (m.audio && segment.audio) {
    const sizes = samplesIn(m.audio.samples, 'sizes', segment.audio.start, segment.audio.end);
    for (let i = 0; i < sizes.length; i++) audio += pesPackets(audioSizePes(m, sizes[i]), m.audioPcr);
  }
  return { video, audio };
}

const bytesOfCounts = ({ video, audio }: PacketCounts): number => TS_PACKET_SIZE * (PSI_PACKETS + ceil16(video) + ceil16(audio));

// A playlist, its bit rates and its index each ask for every segment's counts: counted once per plan.
const planned = new WeakMap<SegmentPlan, { readonly model: Model; readonly counts: readonly PacketCounts[] }>();
function countsOf(plan: SegmentPlan): { readonly model: Model; readonly counts: readonly PacketCounts[] } {
  let known = planned.get(plan);
  if (!known) {
    const model = modelOf(plan);
    known = { model, counts: plan.segments.map((segment) => packetCounts(model, segment)) };
    planned.set(plan, known);
  }
  return known;
}

function segmentAt(plan: SegmentPlan, index: number): PlannedSegment {
  const segment = plan.segments[index];
  if (!Number.isInteger(index) || !segment) throw new RangeError(`segment index ${index} of ${plan.segments.length}`);
  return segment;
}

// Exact or a close upper bound (see the file comment), so a playlist can be listed before it is made.
export function predictSegmentBytes(plan: SegmentPlan, segmentIndex: number): number {
  segmentAt(plan, segmentIndex);
  return bytesOfCounts(countsOf(plan).counts[segmentIndex]);
}

/** Bits per second, rounded up. */
export interface Bandwidth {
  readonly peak: number;
  readonly average: number;
}

// BANDWIDTH (RFC 8216 §4.3.4.2, formats/hls/peak-bandwidth.ts) of segments whose sizes are
// known, listed with EXTINFs of `seconds` rounded to milliseconds (whose largest rounded value is
// the target duration); players may divide by either text, so the peak bounds both.
export function playlistPeak(bytes: readonly number[], seconds: readonly number[]): number {
  const published = seconds.map((d) => Math.round(d * 1000) / 1000);
  const targetDuration = Math.max(1, ...published.map((d) => Math.round(d)));
  return Math.ceil(peakBitRate({ bytes, seconds: published, otherSeconds: seconds, targetDuration }));
}

// BANDWIDTH and AVERAGE-BANDWIDTH before any segment exists. `seconds`: the durations the
// playlist lists (default: mp42hls's EXTINFs).
export function predictBandwidth(plan: SegmentPlan, seconds?: readonly number[]): Bandwidth {
  const bytes = countsOf(plan).counts.map(bytesOfCounts);
  const durations = seconds ?? plan.segments.map((segment) => Number(segment.extinf));
  const total = durations.reduce((sum, d) => sum + d, 0);
  const average = total > 0 ? Math.ceil((8 * bytes.reduce((a, b) => a + b, 0)) / total) : 0;
  return { peak: playlistPeak(bytes, durations), average };
}

// The I-frame variant's EXT-X-I-FRAME-STREAM-INF rates, as trick-play/iframe-variant.ts
// computes them from the I-frame playlist trick-play/iframe-playlist.ts builds (docs/trick-play.md):
// one entry per sync sample, its byte range the packets of its PES (PAT/PMT never included; the
// normalisation's extra packets when it is the segment's last video PES); its time the segment's
// start (sum of millisecond EXTINFs) plus its PTS offset from the segment's first video PES, in
// whole milliseconds; its duration to the next entry or the end of the playlist. Peak = largest
// rate over runs of entries lasting 0.5–1.5 × TARGETDURATION (RFC 8216 §4.1), else the average.
export function predictIFrameBandwidth(plan: SegmentPlan): Bandwidth {
  const { model: m, counts } = countsOf(plan);
  const v = m.video;
  if (!v) return { peak: 0, average: 0 };
  const { sync } = v.track.samples;
  const times = decodeTimesOf(v.track.samples); // read at key frames alone
  // The playlist's EXTINFs: mp42hls's, the last one with the audio past the video's end.
  const last = plan.segments.length - 1;
  const rounded = plan.segments.map((s, k) => Math.round((Number(s.extinf) + (k === last ? plan.audioTail : 0)) * 1000) / 1000);
  const endMs = Math.round(rounded.reduce((sum, d) => sum + d, 0) * 1000);
  const entries: { bytes: number; ms: number }[] = [];
  let start = 0;
  let previousMs = 0;
  plan.segments.forEach((segment, s) => {
    const range = segment.video;
    if (range && range.end > range.start) {
      const { video } = counts[s];
      // The segment's sizes and composition offsets alone (samplesIn): no table decoded whole.
      const sizes = samplesIn(v.track.samples, 'sizes', range.start, range.end);
      const offsets = samplesIn(v.track.samples, 'compositionOffsets', range.start, range.end);
      const pts = (i: number): number => Math.floor(0.5 + (times.at(i) + offsets[i - range.start]) * (90000 / v.track.timescale));
      for (let i = range.start; i < range.end; i++) {
        if (!sync[i]) continue;
        const pes = pesPackets(videoSizePes(v, sizes[i - range.start], true), true);
        const packets = pes + (i === range.end - 1 ? ceil16(video) - video : 0);
        const ms = Math.round((start + (pts(i) - pts(range.start)) / 90000) * 1000);
        previousMs = Math.min(endMs, Math.max(previousMs, ms));
        entries.push({ bytes: packets * TS_PACKET_SIZE, ms: previousMs });
      }
    }
    start += rounded[s];
  });
  const durations = entries.map((e, k) => ((entries[k + 1]?.ms ?? endMs) - e.ms) / 1000);
  return windowedRates(
    entries.map((e) => e.bytes),
    durations,
  );
}

// iframeBitrates' rule, over predicted entries instead of a parsed playlist.
function windowedRates(bytes: readonly number[], seconds: readonly number[]): Bandwidth {
  const totalBytes = bytes.reduce((a, b) => a + b, 0);
  const totalSeconds = seconds.reduce((a, b) => a + b, 0);
  const average = totalSeconds > 0 ? Math.ceil((8 * totalBytes) / totalSeconds) : 0;
  const targetDuration = seconds.reduce((t, d) => Math.max(t, Math.round(d)), 1);
  return { peak: Math.ceil(peakBitRate({ bytes, seconds, targetDuration })), average };
}
