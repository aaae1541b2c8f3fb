// A rendition answered from the source's moov alone: the media playlist mp42hls would write
// (predicted exactly, formats/mp42hls/segment-plan.ts), the rendition info with predicted bit rates,
// and the segment index that lets each segment be made alone later. No media data is read and
// no tool runs, so the cost does not grow with the film.
import { promises as fs } from 'node:fs';
import { CasterpakError } from '../shared/errors.js';
import { Mp4FormatError } from '../formats/mp4/errors.js';
import { carriableAudioTracks, carriageRefusal } from '../formats/mp42hls/carriage.js';
import { audioRanges, audioRenditionRates } from '../formats/mp42hls/audio-rendition.js';
import { descriptionIndexOf } from '../formats/mp42hls/extract.js';
import { parseMoov, type Movie } from '../formats/mp4/moov.js';
import { planOnPresentationTimeline, type SegmentPlan } from '../formats/mp42hls/segment-plan.js';
import { predictBandwidth, predictIFrameBandwidth, predictSegmentBytes } from '../formats/mp42hls/segment-size.js';
import type { CacheLayout } from '../cache/names.js';
import type { RenditionInfo } from '../cache/rendition-info.js';
import { playableDurations } from './media-playlist.js';
import { mediaInfoOf } from './moov-media.js';
import { checkPackageable, type MediaInfo } from './mp4info.js';
import { encodeSegmentIndex } from './index/segment-index.js';
import { readMoov, type SourceIdentity, type SourceReader } from './source/source-reader.js';
import { makeTempDir } from '../cache/temp-run.js';
import { freeBytes, tooFew } from '../shared/free-space.js';
import { renditionPlaylist, writeRenditionFiles } from './rendition-writer.js';

// The same tolerance as the whole-file run's duration check (packager.ts).
const DURATION_TOLERANCE_S = 0.1;

export interface MoovJob {
  readonly layout: CacheLayout;
  readonly renditionPath: string;
  readonly source: SourceReader;
  readonly segmentDuration: number;
  readonly publicBaseUrl: string | null;
}

// What the moov says, and whether segments can be made alone from it (else: why not).
export interface MoovReading {
  readonly moov: Uint8Array;
  readonly movie: Movie;
  readonly media: MediaInfo;
  readonly plan: SegmentPlan;
  /** The source's size and version the reading (and an index made from it) is valid for. */
  readonly identity: SourceIdentity;
  /** null: every segment can be made alone; else the reason a whole-file run is needed. */
  readonly wholeFileBecause: string | null;
  /** The edit lists or composition offsets move the samples: a whole-file run reads them moved (packager.ts). */
  readonly timelineMoved: boolean;
}

function whyNotAlone(movie: Movie, plan: SegmentPlan): string | null {
  if (movie.fragmented) return 'a fragmented MP4';
  for (const track of [plan.videoTrack, plan.audioTrack]) {
    if (!track) continue;
    try {
      descriptionIndexOf(track);
    } catch (error) {
      return (error as Error).message;
    }
  }
  const alone = plan.segments.findIndex((s) => !s.standalone);
  return alone < 0 ? null : `segment ${alone + 1} cannot be packaged alone`;
}

// The moov parsed, checked as the whole-file run checks a source, and planned.
export async function readSourceMoov(job: Omit<MoovJob, 'layout' | 'publicBaseUrl'>): Promise<MoovReading> {
  const name = job.renditionPath;
  const { moov } = await readMoov(job.source, name);
  let movie: Movie;
  let plan: SegmentPlan;
  try {
    const parsed = parseMoov(moov);
    const media = mediaInfoOf(parsed);
    // A fragmented file's moov holds none of its samples or the first fragment's: its length and
    // cut are known from its moofs only, which the whole-file run reads (packager.ts).
    if (!parsed.fragmented) checkPackageable(media, name);
    const refusal = carriageRefusal(parsed);
    if (refusal) throw new CasterpakError(refusal.kind === 'codec' ? 'UNSUPPORTED_MEDIA' : 'BAD_MEDIA', `${name}: ${refusal.reason}`);
    ({ movie, plan } = planOnPresentationTimeline(parsed, job.segmentDuration));
    const timelineMoved = movie !== parsed;
    if (movie.fragmented)
      return { moov, movie, media, plan, identity: job.source.identity, wholeFileBecause: whyNotAlone(movie, plan), timelineMoved };
    const seconds = plan.segments.reduce((sum, s) => sum + Number(s.extinf), plan.audioTail);
    if (Math.abs(seconds - media.durationMs / 1000) > DURATION_TOLERANCE_S + plan.reorderDelay) {
      const why = plan.videoOutlastsAudio
        ? ` (mp42hls stops where the audio ends; ${plan.droppedVideoSamples} video frames would be lost)`
        : '';
      throw new CasterpakError(
        'BAD_MEDIA',
        `${name}: packaged it would last ${seconds.toFixed(3)} s, the source ${(media.durationMs / 1000).toFixed(3)} s${why}`,
      );
    }
    return { moov, movie, media, plan, identity: job.source.identity, wholeFileBecause: whyNotAlone(movie, plan), timelineMoved };
  } catch (error) {
    if (error instanceof Mp4FormatError) throw new CasterpakError('BAD_MEDIA', `${name}: corrupt MP4 (${error.message})`, { cause: error });
    throw error;
  }
}

// What moovRendition is given besides the job and the reading.
interface MoovRenditionOptions {
  /** Turns the source's info into a derived rendition's (renditions/). */
  readonly describe?: (info: RenditionInfo) => RenditionInfo;
  /** Gets the media playlist as soon as it is known, before the predictions, the index and the
   * writes: the playlist follows from the plan alone (docs/architecture.md, "A cold playlist
   * answered early"). */
  readonly answer?: (playlist: string) => void;
  /** Work done right after the answer (or the plan, without one), before the rest of the
   * rendition: the segment made first (store/first-segments.ts), into the run directory. */
  readonly afterAnswer?: (runDir: string) => Promise<void>;
  /** The run directory, made while the moov was read (cache/temp-run.ts); else made here. */
  readonly runDir?: string;
  /** The cache's free bytes (shared/free-space.ts), asked for while the moov was read; else asked here. */
  readonly free?: Promise<number | null>;
}

// The rendition without its segments, in a run directory the caller commits.
export async function moovRendition(
  job: MoovJob,
  reading: MoovReading,
  { describe = (info) => info, answer, afterAnswer, runDir, free }: MoovRenditionOptions = {},
): Promise<{ tmp: string; info: RenditionInfo; index: Uint8Array }> {
  const tmp = runDir ?? (await makeTempDir(job.layout, job.renditionPath));
  try {
    const durations = playableDurations(
      reading.plan.segments.map((s) => Number(s.extinf)),
      reading.media.durationMs,
      reading.plan.audioTail,
    );
    const playlist = renditionPlaylist(durations, job.publicBaseUrl, job.renditionPath);
    // Answered once the cache has taken the run directory and has room for what follows (the
    // index is smaller than the moov it comes from): a cache that cannot store the rendition
    // (read-only, full) gets its error answered, not a playlist of segments it cannot make.
    const room =
      (answer || afterAnswer) && tooFew(await (free ?? freeBytes(job.layout.root)), reading.moov.byteLength + playlist.length) === null;
    if (room) {
      answer?.(playlist);
      await afterAnswer?.(tmp);
    }
    const { info, index } = renditionFiles(job, reading, durations, describe);
    await writeRenditionFiles(tmp, { durations, info, index, publicBaseUrl: job.publicBaseUrl, playlist });
    return { tmp, info, index };
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

// The rendition info with its predicted rates, and the segment index.
function renditionFiles(
  job: MoovJob,
  reading: MoovReading,
  durations: readonly number[],
  describe: (info: RenditionInfo) => RenditionInfo,
) {
  const { plan, media } = reading;
  const bandwidth = predictBandwidth(plan, durations);
  const bytes = plan.segments.reduce((sum, _, i) => sum + predictSegmentBytes(plan, i), 0);
  const info: RenditionInfo = describe({
    renditionPath: job.renditionPath,
    source: { size: reading.identity.size, mtimeMs: reading.identity.mtimeMs },
    segmentDuration: job.segmentDuration,
    durationMs: Math.round(durations.reduce((a, b) => a + b, 0) * 1000),
    segments: durations.length,
    bytes,
    peakBitrate: bandwidth.peak,
    averageBitrate: bandwidth.average,
    ...(plan.videoTrack ? { iframeBitrate: predictIFrameBandwidth(plan) } : {}),
    ...audioFacts(reading, media, durations),
  });
  return { info, index: encodeSegmentIndex(reading.moov, reading.movie, plan, indexedSource(reading.identity)) };
}

// The audio renditions' facts a master lists (docs/tracks.md): each audio track's language,
// default flag and channels from the moov (over mp4info's `media`, which has none), and each
// carriable one's predicted rates on the playlist's `durations`.
export function audioFacts(
  reading: MoovReading,
  media: MediaInfo,
  durations: readonly number[],
): Pick<RenditionInfo, 'media' | 'audioBitrates'> {
  // reading.media is the moov's already (its labels the same on the presentation timeline):
  // not summed again over every sample.
  const fromMoov = media === reading.media ? media : mediaInfoOf(reading.movie);
  const labelled = new Map(fromMoov.tracks.map((t) => [t.id, t]));
  return {
    media: {
      ...media,
      tracks: media.tracks.map((t) => {
        const moov = labelled.get(t.id);
        return t.type === 'audio' && moov ? { ...t, language: moov.language, default: moov.default, channels: moov.channels } : t;
      }),
    },
    audioBitrates: Object.fromEntries(
      carriableAudioTracks(reading.movie).map((t) => [String(t.id), audioRenditionRates(t, audioRanges(reading.plan, t), durations)]),
    ),
  };
}

// What an index is valid for: the source's size and version (its mtime is in the version).
export const indexedSource = ({ size, version }: SourceIdentity) => ({ size, version });
