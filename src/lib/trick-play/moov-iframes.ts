// The I-frame playlist of one of casterpak's own renditions from its source's moov (docs/trick-play.md,
// "From the moov"): each key frame's byte range predicted (formats/mp42hls/iframe-ranges.ts) rather
// than scanned, so no segment is made or read and kfonly costs about what the media playlist does.
// Only where the prediction is exact: the pinned Bento4, segments made alone from a segment index of
// this very source (not a whole-file-only source, not a derived rendition). Null elsewhere: the
// caller scans the segments (iframe-playlist-maker.ts).
import {
  predictKeyFrames,
  readSampleHead,
  samplesToRead,
  type SampleHead,
  type SamplesToRead,
  type SegmentKeyFrames,
} from '../formats/mp42hls/iframe-ranges.js';
import type { SegmentPlan } from '../formats/mp42hls/segment-plan.js';
import type { KeyFrameScan } from '../formats/mpegts/keyframes.js';
import { STREAM_TYPE_HEVC } from '../formats/mpegts/psi.js';
import { readSourceMoov } from '../packaging/moov-rendition.js';
import type { RenditionStore } from '../packaging/rendition-store.js';
import { loadIndex } from '../packaging/segment-maker.js';
import type { SourceReader } from '../packaging/source/source-reader.js';
import { assertIFrameSource, buildIFramePlaylist } from './iframe-playlist.js';
import { readSource } from './iframe-playlist-maker.js';
import { iframeSegmentUri } from './iframe-uri.js';

const [STREAM_TYPE_H264, VIDEO_PID, PSI_END] = [0x1b, 0x100, 2 * 188];
// Enough for the NAL units before the picture of most samples (an SEI of the encoder's settings may need more).
const HEAD_BYTES = 256;
// Sync samples read at a time: a remote source answers each with one ranged GET.
const READS_IN_FLIGHT = 16;

/** The heads of the samples samplesToRead names, by sample index. */
type SampleHeads = ReadonlyMap<number, SampleHead>;

// The first bytes of each sample named, a few reads at a time (readSampleHead).
export async function readSampleHeads(reader: Pick<SourceReader, 'read'>, wanted: SamplesToRead): Promise<SampleHeads> {
  const heads = new Map<number, SampleHead>();
  const samples = [...wanted.sync, ...wanted.others];
  let next = 0;
  const worker = async () => {
    while (next < samples.length) {
      const { index, offset, size } = samples[next++];
      const judge = async (length: number) => readSampleHead(await reader.read(offset, length), size, wanted.lengthSize, wanted.hevc);
      const head = (await judge(Math.min(size, HEAD_BYTES))) ?? (await judge(size));
      if (head) heads.set(index, head);
    }
  };
  await Promise.all(Array.from({ length: READS_IN_FLIGHT }, worker));
  return heads;
}

// Whether segment-size.ts's bytes are exact for this track: 4-byte NAL unit lengths (else its
// count of NAL units is a bound), no access unit delimiter of the sample's own, each sync sample's
// NAL units known, and the other samples read one NAL unit each (an encoder that writes several
// slices or an SEI per picture does so throughout).
export function predictable(wanted: SamplesToRead, heads: SampleHeads): boolean {
  if (wanted.lengthSize !== 4) return false;
  const sync = wanted.sync.every(({ index }) => heads.get(index)?.nalUnits !== undefined && !heads.get(index)!.aud);
  return sync && wanted.others.every(({ index }) => heads.get(index)?.nalUnits === 1 && !heads.get(index)!.aud);
}

// What the scan would have found in each segment, for buildIFramePlaylist.
function scanOf(segment: SegmentKeyFrames, name: string, hevc: boolean, accessUnits: number): KeyFrameScan {
  return {
    name,
    videoPid: VIDEO_PID,
    streamType: hevc ? STREAM_TYPE_HEVC : STREAM_TYPE_H264,
    codec: hevc ? 'hevc' : 'h264',
    psiEnd: PSI_END,
    psiStart: 0,
    keyFrames: segment.keyFrames.map((k) => ({ ...k, ptsSeconds: k.pts / 90000, paramSets: true })),
    untimedKeyFrames: 0,
    accessUnits,
    firstPts: segment.firstPts,
    endPts: undefined,
    format: undefined,
  };
}

// The playlist text from the source playlist's text (segment URIs relative), the plan and the
// samples' heads; null when the plan does not describe that playlist.
export function iframePlaylistFromPlan(text: string, playlistUrl: URL, plan: SegmentPlan, heads: SampleHeads): string | null {
  const name = decodeURIComponent(playlistUrl.pathname.slice(playlistUrl.pathname.lastIndexOf('/') + 1));
  const source = readSource(text, name);
  assertIFrameSource(source, name);
  const predicted = predictKeyFrames(plan, {
    isKey: (sample) => heads.get(sample)?.key === true,
    nalUnits: (sample) => heads.get(sample)?.nalUnits,
  });
  if (predicted === null || predicted.length !== source.segments.length) return null;
  const hevc = samplesToRead(plan, 0)?.hevc === true;
  const scans = predicted.map((segment, i) => {
    const video = plan.segments[i].video;
    return scanOf(segment, source.segments[i].uri, hevc, video ? video.end - video.start : 0);
  });
  const uris = source.segments.map((segment) => iframeSegmentUri(segment.uri, playlistUrl));
  return buildIFramePlaylist(source, scans, uris, name);
}

// The rendition's I-frame playlist from the moov, or null where only the scan is exact.
export async function predictIFramePlaylist(
  store: RenditionStore,
  renditionPath: string,
  dir: string,
  text: string,
  playlistUrl: URL,
): Promise<string | null> {
  if (!store.options.bento4.pinned) return null;
  const index = await loadIndex(dir).catch(() => null);
  if (!index) return null;
  // A source gone or unreadable is no answer: the scan may find every segment cached.
  const reader = await store.open(renditionPath).catch(() => null);
  if (!reader) return null;
  try {
    const segmentDuration = index.header.segmentDuration;
    const reading = await readSourceMoov({ renditionPath, source: reader, segmentDuration }).catch(() => null);
    const { size, version } = index.header.source;
    if (!reading || reading.wholeFileBecause !== null || reading.identity.size !== size || reading.identity.version !== version)
      return null;
    const wanted = samplesToRead(reading.plan);
    const heads = wanted && (await readSampleHeads(reader, wanted).catch(() => null));
    return wanted && heads && predictable(wanted, heads) ? iframePlaylistFromPlan(text, playlistUrl, reading.plan, heads) : null;
  } finally {
    await reader.close();
  }
}
