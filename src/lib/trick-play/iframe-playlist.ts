// The I-frame media playlist built from a source media playlist and the key frames of
// its segments: RFC 8216 §4.3.3.6 EXT-X-I-FRAMES-ONLY, every key frame one EXT-X-BYTERANGE
// entry, EXTINF = time to the next key frame (docs/trick-play.md).
import { CasterpakError } from '../shared/errors.js';
import type { KeyFrame, KeyFrameScan } from '../formats/mpegts/keyframes.js';
import { TS_PACKET_SIZE } from '../formats/mpegts/packet.js';
import type { MediaPlaylist } from '../formats/hls/codec.js';

// hls.js assumes PAT/PMT within the first 7 packets when a TS byte range has no EXT-X-MAP.
const IMPLICIT_INIT_LIMIT = 7 * TS_PACKET_SIZE;

// Refuses sources the I-frame playlist cannot be derived from; call before fetching segments.
export function assertIFrameSource(source: MediaPlaylist, name: string): void {
  if (source.isIFrame) throw new CasterpakError('BAD_PLAYLIST', `${name}: is already an I-frame playlist`);
  if (source.segments.length === 0) throw new CasterpakError('BAD_PLAYLIST', `${name}: lists no segments`);
  for (const segment of source.segments) {
    if (segment.key && segment.key.method !== 'NONE') {
      throw new CasterpakError(
        'UNSUPPORTED_MEDIA',
        `${name}: segments are encrypted (EXT-X-KEY METHOD=${segment.key.method}); trick play needs clear segments`,
      );
    }
    if (segment.map) {
      throw new CasterpakError(
        'UNSUPPORTED_MEDIA',
        `${name}: has EXT-X-MAP (fMP4 or split PSI); trick play handles self-contained MPEG-TS segments`,
      );
    }
    if (segment.byterange) {
      throw new CasterpakError('UNSUPPORTED_MEDIA', `${name}: segments are byte ranges of one file; trick play needs one file per segment`);
    }
  }
}

interface Entry {
  readonly segment: number;
  readonly keyFrame: KeyFrame;
  /** milliseconds from the start of the playlist */
  ms: number;
}

// `scans[i]` and `uris[i]` belong to `source.segments[i]`; `uris` are as seen from the I-frame
// playlist (see iframe-uri.ts). Key frames whose range lacks SPS/PPS are left out: a range
// fetched alone must decode.
export function buildIFramePlaylist(
  source: MediaPlaylist,
  scans: readonly KeyFrameScan[],
  uris: readonly string[],
  name = 'playlist',
): string {
  assertIFrameSource(source, name);
  if (scans.length !== source.segments.length || uris.length !== source.segments.length) {
    throw new RangeError('one scan and one URI per source segment');
  }
  const starts: number[] = [];
  let total = 0;
  for (const segment of source.segments) {
    starts.push(total);
    total += segment.duration;
  }
  const endMs = Math.round(total * 1000);
  const entries = timedEntries(scans, starts, endMs);
  if (entries.length === 0) throw noKeyFrames(scans, name);

  const firstEntry = new Map<number, KeyFrame>();
  for (const entry of entries) if (!firstEntry.has(entry.segment)) firstEntry.set(entry.segment, entry.keyFrame);
  const useMap = [...firstEntry].some(([segment, keyFrame]) => needsMap(scans[segment]!, keyFrame));

  // Rounding the boundaries, not the durations, keeps the EXTINF sum equal to the timeline.
  const durations = entries.map((entry, k) => ((entries[k + 1]?.ms ?? endMs) - entry.ms) / 1000);
  const target = Math.max(1, ...durations.map((d) => Math.round(d)));
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${useMap ? 5 : 4}`, `#EXT-X-TARGETDURATION:${target}`];
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${source.mediaSequenceBase ?? 0}`);
  if (source.discontinuitySequenceBase) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${source.discontinuitySequenceBase}`);
  if (source.playlistType) lines.push(`#EXT-X-PLAYLIST-TYPE:${source.playlistType}`);
  lines.push('#EXT-X-I-FRAMES-ONLY');

  let discontinuity = false;
  let lastSegment = -1;
  let psiSegment = -1;
  entries.forEach((entry, k) => {
    for (let i = lastSegment + 1; i <= entry.segment; i++) {
      if (source.segments[i]!.discontinuity) discontinuity = true;
      if (scans[i]!.psiEnd !== undefined) psiSegment = i;
    }
    if (discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    discontinuity = false;
    const segment = source.segments[entry.segment]!;
    if (entry.segment !== lastSegment) {
      if (useMap) {
        if (psiSegment < 0) {
          throw new CasterpakError('BAD_TS', `${scans[entry.segment]!.name}: no PAT/PMT in this or an earlier segment at offset 0`);
        }
        lines.push(mapLine(uris[psiSegment]!, scans[psiSegment]!));
      }
      if (segment.programDateTime) {
        const at = segment.programDateTime.getTime() + entry.ms - Math.round(starts[entry.segment]! * 1000);
        lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(at).toISOString()}`);
      }
    }
    lastSegment = entry.segment;
    lines.push(
      `#EXTINF:${durations[k]!.toFixed(3)},`,
      `#EXT-X-BYTERANGE:${entry.keyFrame.size}@${entry.keyFrame.offset}`,
      uris[entry.segment]!,
    );
  });
  if (source.endlist) lines.push('#EXT-X-ENDLIST');
  lines.push('');
  return lines.join('\n');
}

// t_k = segment start (sum of source EXTINFs) + PTS offset from the segment's first access unit.
function timedEntries(scans: readonly KeyFrameScan[], starts: readonly number[], endMs: number): Entry[] {
  const entries: Entry[] = [];
  let previousMs = 0;
  scans.forEach((scan, segment) => {
    const base = scan.firstPts ?? 0;
    for (const keyFrame of scan.keyFrames) {
      if (!keyFrame.paramSets) continue;
      const ms = Math.round((starts[segment]! + (keyFrame.pts - base) / 90000) * 1000);
      // Keep the timeline monotonic and inside the playlist even when EXTINFs are imprecise.
      previousMs = Math.min(endMs, Math.max(previousMs, ms));
      entries.push({ segment, keyFrame, ms: previousMs });
    }
  });
  return entries;
}

// Without EXT-X-MAP a client takes [0, first I-frame offset) of the resource as PAT/PMT.
function needsMap(scan: KeyFrameScan, first: KeyFrame): boolean {
  return scan.psiEnd === undefined || first.offset !== scan.psiEnd || scan.psiEnd > IMPLICIT_INIT_LIMIT;
}

// The Media Initialization Section of MPEG-TS is a PAT and a PMT (RFC 8216 §3.2): from the
// segment's start, or from the PAT where video comes first (a stream cut mid-way), so the
// range never carries part of a picture.
function mapLine(uri: string, scan: KeyFrameScan): string {
  const start = scan.psiStart ?? 0;
  return `#EXT-X-MAP:URI="${uri}",BYTERANGE="${scan.psiEnd! - start}@${start}"`;
}

function noKeyFrames(scans: readonly KeyFrameScan[], name: string): CasterpakError {
  const found = scans.reduce((n, scan) => n + scan.keyFrames.length, 0);
  const reason =
    found > 0
      ? `none of its ${found} key frames carries SPS/PPS in band, so none decodes alone`
      : 'its segments hold no IDR/IRAP key frame';
  return new CasterpakError('UNSUPPORTED_MEDIA', `${name}: no I-frame playlist possible: ${reason}`);
}
