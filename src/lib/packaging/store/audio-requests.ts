// The audio renditions of a rendition (docs/tracks.md): one per carriable audio track of the MP4,
// `index_0_a<N>.m3u8` and `segment<K>_0_a<N>.ts` in the rendition's directory. Each is made on
// first request like a segment alone: the playlist is the rendition's own with the segment names
// changed (the same boundaries and EXTINFs), and segment K the track's samples in the time of the
// video's segment K, packaged by mp42hls from a one-track extract into audio-only MPEG-TS.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../shared/errors.js';
import { audioPlaylistName, audioSegmentName, INDEX_PLAYLIST, type CacheLayout } from '../../cache/names.js';
import { makeTempDir } from '../../cache/temp-run.js';
import { carriableAudioTracks } from '../../formats/mp42hls/carriage.js';
import { audioRanges, buildAudioExtract, rangeSpan } from '../../formats/mp42hls/audio-rendition.js';
import { pesCounts } from '../../formats/mpegts/pes-counts.js';
import type { Track } from '../../formats/mp4/moov.js';
import type { Bento4 } from '../bento4.js';
import type { MoovReading } from '../moov-rendition.js';
import { MoovReadings, type AudioStore, type MoovFile } from './moov-readings.js';
import { asToolError, normaliseSegment } from '../ts-file.js';
import { packageExtract } from '../segment-maker.js';
import type { SourceReader } from '../source/source-reader.js';

// One audio-only segment: the extract of `range` through mp42hls, checked to hold exactly its
// samples as audio, with PAT/PMT first, and normalised like every other segment (ts-file.ts).
async function makeAudioSegment(
  job: { readonly bento4: Bento4; readonly layout: CacheLayout; readonly renditionPath: string; readonly signal?: AbortSignal },
  reading: MoovReading,
  track: Track,
  segmentNumber: number,
  source: SourceReader,
): Promise<Uint8Array> {
  const name = `${job.renditionPath} ${audioSegmentName(segmentNumber, track.id)}`;
  const range = audioRanges(reading.plan, track)[segmentNumber - 1];
  if (!range)
    throw new CasterpakError('NOT_FOUND', `${job.renditionPath} has ${reading.plan.segments.length} segments, not ${segmentNumber}`);
  if (range.end === range.start)
    throw new CasterpakError('NOT_FOUND', `${name}: audio track ${track.id} has no samples in segment ${segmentNumber}`);
  const span = rangeSpan(track, range);
  const bytes = await source.read(span.start, span.end - span.start);
  const tmp = await makeTempDir(job.layout, job.renditionPath);
  try {
    const extract = buildAudioExtract(reading.moov, reading.movie, track, range, { start: span.start, bytes });
    const ts = await packageExtract(job.bento4, tmp, extract, name, job.signal);
    const counts = asToolError(name, () => pesCounts(ts));
    const want = range.end - range.start;
    if (!counts.tablesFirst || counts.video !== 0 || counts.audio !== want)
      throw new CasterpakError(
        'TOOL',
        `mp42hls wrote ${name} with ${counts.video} video and ${counts.audio} audio samples; planned 0 and ${want}`,
      );
    return normaliseSegment(ts, segmentNumber, name, true);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

export class AudioRenditions {
  // Shared by the segments of every audio rendition.
  private readonly readings: MoovReadings;

  constructor(private readonly store: AudioStore) {
    this.readings = store.moovReadings;
  }

  private static track(reading: MoovReading, renditionPath: string, trackId: number): Track {
    const track = carriableAudioTracks(reading.movie).find((t) => t.id === trackId);
    if (!track) throw new CasterpakError('NOT_FOUND', `${renditionPath} has no audio track ${trackId} that casterpak carries`);
    return track;
  }

  // A file of audio track `trackId` made by `make` (with the source open) unless it is there.
  private ensureFile(
    renditionPath: string,
    name: string,
    make: (dir: string, reading: MoovReading, source: SourceReader) => Promise<string | Uint8Array>,
  ): Promise<MoovFile> {
    return this.readings.ensureFile(renditionPath, name, 'audio', (source) => this.readings.read(renditionPath, source), make);
  }

  // `casterpak package`: every audio rendition a master lists (two or more carriable tracks,
  // docs/tracks.md), playlist and segments; returns the bytes now on disk for them.
  async ensureAll(renditionPath: string): Promise<number> {
    const info = await this.store.info(renditionPath);
    const tracks = Object.keys(info?.audioBitrates ?? {}).map(Number);
    if (!info || tracks.length < 2) return 0;
    let bytes = 0;
    for (const track of tracks) {
      await this.playlist(renditionPath, track);
      for (let k = 1; k <= info.segments; k++) bytes += (await fs.stat((await this.segment(renditionPath, track, k)).file)).size;
    }
    return bytes;
  }

  playlist(renditionPath: string, trackId: number): Promise<MoovFile> {
    return this.ensureFile(renditionPath, audioPlaylistName(trackId), async (dir, reading) => {
      AudioRenditions.track(reading, renditionPath, trackId);
      const own = await fs.readFile(path.join(dir, INDEX_PLAYLIST), 'utf8');
      return own.replace(/segment(\d+)_0_av\.ts$/gm, (_, k: string) => audioSegmentName(Number(k), trackId));
    });
  }

  segment(renditionPath: string, trackId: number, segmentNumber: number): Promise<MoovFile> {
    const { bento4, layout, signal } = this.store.options;
    return this.ensureFile(renditionPath, audioSegmentName(segmentNumber, trackId), (_, reading, source) =>
      makeAudioSegment(
        { bento4, layout, renditionPath, signal },
        reading,
        AudioRenditions.track(reading, renditionPath, trackId),
        segmentNumber,
        source,
      ),
    );
  }
}
