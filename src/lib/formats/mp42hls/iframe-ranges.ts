// Where each key frame lies in the MPEG-TS segments mp42hls 1.5.0 writes, predicted from the moov
// alone, so an I-frame playlist (docs/trick-play.md) needs no segment made or read. The layout is
// segment-size.ts's: one PAT and one PMT packet, then one PES per sample in mp42hls's write order
// (interleave.ts: the video sample when its decode time is not later than the audio sample's),
// each PES in whole packets. A key frame is a sync sample; its range is the packets of its PES, as
// the key-frame scan (formats/mpegts/keyframes.ts) and Bento4's own --iframe-index record it.
// Normalised (formats/mpegts/continuity.ts), each elementary stream ends the segment with a
// multiple of 16 packets: the missing packets spread over its PES from the last one backwards,
// each PES taking at most one packet per PES byte (pes-resplit.ts), which moves what follows.
// The moov cannot say which sync samples the scan takes for key frames: an H.264 open GOP marks
// I pictures that are not IDR as sync samples (stss), which the scan leaves out and Bento4 keeps;
// the caller reads each sync sample's first NAL units and says (readSampleHead), and how many NAL
// units it holds, which segment-size.ts otherwise takes to be one.
import type { Track } from '../mp4/moov.js';
import { nalType } from '../mpegts/nal.js';
import { TS_PACKET_SIZE } from '../mpegts/packet.js';
import type { PlannedSegment, SegmentPlan } from './segment-plan.js';
import { audioPesBytes, modelOf, pesPackets, videoPesBytes, type Model, type VideoModel } from './segment-size.js';

const PSI_PACKETS = 2;
const CC_CYCLE = 16;

export interface PredictedKeyFrame {
  /** byte offset of the first TS packet of the key frame's PES */
  readonly offset: number;
  /** whole TS packets of that PES */
  readonly size: number;
  /** 90 kHz, as mp42hls writes it (only differences within a segment are meaningful) */
  readonly pts: number;
}

export interface SegmentKeyFrames {
  /** PTS of the segment's first video PES; undefined when it has no video */
  readonly firstPts: number | undefined;
  readonly keyFrames: readonly PredictedKeyFrame[];
}

/** One segment's PES in write order: the sample (video i, audio ~i), its bytes and packets. */
interface Order {
  readonly sample: Int32Array;
  readonly bytes: Int32Array;
  readonly packets: Int32Array;
}

// The segment's PES in mp42hls's write order (interleave.ts's choice, replayed inside the segment).
function writeOrder(m: Model, v: VideoModel, segment: PlannedSegment, nalUnits: (sample: number) => number | undefined): Order {
  const video = segment.video ?? { start: 0, end: 0 };
  const audio: Track | undefined = m.audio;
  const range = audio && segment.audio ? segment.audio : { start: 0, end: 0 };
  const n = video.end - video.start + range.end - range.start;
  const order = { sample: new Int32Array(n), bytes: new Int32Array(n), packets: new Int32Array(n) };
  const vTimes = v.track.samples.decodeTimes;
  const vScale = v.track.timescale;
  let vi = video.start;
  let ai = range.start;
  for (let k = 0; k < n; k++) {
    const takeVideo = vi < video.end && (ai >= range.end || vTimes[vi] / vScale <= audio!.samples.decodeTimes[ai] / audio!.timescale);
    const bytes = takeVideo ? videoPesBytes(v, vi, nalUnits(vi)) : audioPesBytes(m, audio!, ai);
    order.sample[k] = takeVideo ? vi++ : ~ai++;
    order.bytes[k] = bytes;
    order.packets[k] = pesPackets(bytes, takeVideo || m.audioPcr);
  }
  return order;
}

// continuity.ts's spreading, per elementary stream; false when its PES bytes cannot fill them.
function normalise(order: Order): boolean {
  for (const video of [true, false]) {
    let count = 0;
    for (let k = 0; k < order.sample.length; k++) if (order.sample[k] >= 0 === video) count += order.packets[k];
    let extra = (CC_CYCLE - (count % CC_CYCLE)) % CC_CYCLE;
    for (let k = order.sample.length - 1; k >= 0 && extra > 0; k--) {
      if (order.sample[k] >= 0 !== video) continue;
      const take = Math.max(0, Math.min(order.bytes[k] - order.packets[k], extra));
      order.packets[k] += take;
      extra -= take;
    }
    if (extra > 0) return false;
  }
  return true;
}

interface PredictOptions {
  /** as casterpak serves the segments (formats/mpegts/continuity.ts), else as mp42hls writes them @default true */
  readonly normalised?: boolean;
  /** which sync samples are key frames @default every one */
  readonly isKey?: (sample: number) => boolean;
  /** a video sample's NAL units, where known @default segment-size.ts's assumption */
  readonly nalUnits?: (sample: number) => number | undefined;
}

// Per planned segment, its key frames. Null when the plan has no video track, or a segment would
// not normalise.
export function predictKeyFrames(plan: SegmentPlan, options: PredictOptions = {}): SegmentKeyFrames[] | null {
  const { normalised = true, isKey = () => true, nalUnits = () => undefined } = options;
  const m = modelOf(plan);
  const v = m.video;
  if (!v) return null;
  const { decodeTimes, compositionOffsets, sync } = v.track.samples;
  const scale = 90000 / v.track.timescale;
  const pts = (i: number): number => Math.floor(0.5 + (decodeTimes[i] + compositionOffsets[i]) * scale);
  const segments: SegmentKeyFrames[] = [];
  for (const segment of plan.segments) {
    const order = writeOrder(m, v, segment, nalUnits);
    if (normalised && !normalise(order)) return null;
    const keyFrames: PredictedKeyFrame[] = [];
    let at = PSI_PACKETS;
    for (let k = 0; k < order.sample.length; k++) {
      const i = order.sample[k];
      if (i >= 0 && sync[i] && isKey(i))
        keyFrames.push({ offset: at * TS_PACKET_SIZE, size: order.packets[k] * TS_PACKET_SIZE, pts: pts(i) });
      at += order.packets[k];
    }
    const first = segment.video && segment.video.end > segment.video.start ? pts(segment.video.start) : undefined;
    segments.push({ firstPts: first, keyFrames });
  }
  return segments;
}

interface SampleAt {
  readonly index: number;
  readonly offset: number;
  readonly size: number;
}

/** The video samples whose first bytes the prediction needs, where they lie in the source, and how to read them. */
export interface SamplesToRead {
  readonly hevc: boolean;
  /** NAL unit length field bytes (14496-15 §5.3.3.1, §8.3.3.1) */
  readonly lengthSize: number;
  /** every sync sample */
  readonly sync: readonly SampleAt[];
  /** up to `others` other samples spread over the track: is the encoder's one NAL unit a picture the rule? */
  readonly others: readonly SampleAt[];
}

export function samplesToRead(plan: SegmentPlan, others = 32): SamplesToRead | null {
  const v = modelOf(plan).video;
  if (!v) return null;
  const { sync, offsets, sizes, count } = v.track.samples;
  const at = (index: number): SampleAt => ({ index, offset: offsets[index], size: sizes[index] });
  const syncAt: SampleAt[] = [];
  for (let i = 0; i < count; i++) if (sync[i]) syncAt.push(at(i));
  const otherAt: SampleAt[] = [];
  const step = Math.max(1, Math.floor(count / others));
  for (let i = 0; i < count && otherAt.length < others; i += step) {
    let j = i;
    while (j < count && sync[j]) j++;
    if (j < count && (otherAt.length === 0 || otherAt[otherAt.length - 1].index < j)) otherAt.push(at(j));
  }
  return { hevc: v.nalHeader === 2, lengthSize: v.lengthSize, sync: syncAt, others: otherAt };
}

/** What the first bytes of a sample (length-prefixed NAL units) tell. */
export interface SampleHead {
  /** As the key-frame scan judges the access unit mp42hls makes of it (formats/mpegts/nal.ts): its
   *  first VCL NAL unit is an IDR picture (H.264 type 5) or an IRAP one (H.265 16–23). */
  readonly key: boolean;
  /** Its NAL units, when its first VCL NAL unit ends the sample (else unknown: more may follow). */
  readonly nalUnits?: number;
  /** It begins with an access unit delimiter (mp42hls then adds none). */
  readonly aud: boolean;
}

// `head`: the first bytes of a sample of `size` bytes; undefined when they end before the first
// VCL NAL unit's header (read more).
export function readSampleHead(head: Uint8Array, size: number, lengthSize: number, hevc: boolean): SampleHead | undefined {
  let at = 0;
  let count = 0;
  let aud = false;
  while (at + lengthSize < Math.min(head.length, size)) {
    let length = 0;
    for (let k = 0; k < lengthSize; k++) length = length * 256 + head[at + k];
    const type = nalType(head[at + lengthSize], hevc);
    if (count++ === 0) aud = type === (hevc ? 35 : 9);
    at += lengthSize + length;
    if (hevc ? type < 32 : type >= 1 && type <= 5) {
      const key = hevc ? type >= 16 && type <= 23 : type === 5;
      return at === size ? { key, nalUnits: count, aud } : { key, aud };
    }
  }
  return head.length >= size ? { key: false, ...(at === size ? { nalUnits: count } : {}), aud } : undefined;
}
