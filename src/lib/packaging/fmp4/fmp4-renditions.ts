// The fMP4 form of a rendition (docs/formats.md): one rendition per track (video `v`, audio `a<N>`),
// each a playlist, an init segment and media segments in the rendition's fmp4/ directory, made on
// first request like the audio renditions (store/audio-requests.ts) but written by casterpak itself
// from the moov and one ranged read of the source (formats/fmp4/segments.ts: no mp42hls run). The
// playlist is the MPEG-TS rendition's with the names changed, so both forms list the same EXTINFs.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../shared/errors.js';
import { FMP4_DIR, fmp4InitName, fmp4PlaylistName, fmp4SegmentName, INDEX_PLAYLIST } from '../../cache/names.js';
import { Mp4FormatError } from '../../formats/mp4/errors.js';
import { PlaylistFormatError } from '../../formats/hls/errors.js';
import { buildInitSegment, buildMediaSegment } from '../../formats/fmp4/segments.js';
import { fmp4MediaPlaylist } from '../../formats/fmp4/media-playlist.js';
import { buildFmp4IFramePlaylist, iframeEntries } from '../../formats/fmp4/iframe-playlist.js';
import { describeFmp4, fmp4Ranges, fmp4Refs, fmp4Track, rangeSpan, type Fmp4Ref, type Fmp4Rendition } from '../../formats/fmp4/tracks.js';
import { videoTrack } from '../mp4info.js';
import { segmentBaseUrl } from '../media-playlist.js';
import type { MoovReading } from '../moov-rendition.js';
import { MoovReadings, type AudioStore, type MoovFile } from '../store/moov-readings.js';
import type { SourceReader } from '../source/source-reader.js';

// The parts of a film's fMP4 form a master or a DASH manifest lists.
interface Fmp4Description {
  readonly renditions: readonly Fmp4Rendition[];
  readonly durationMs: number;
}

// A format error of a source's moov is the source's fault: a 4xx, never a 500.
function asMediaError(name: string, make: () => Uint8Array): Uint8Array {
  try {
    return make();
  } catch (error) {
    if (error instanceof Mp4FormatError) throw new CasterpakError('UNSUPPORTED_MEDIA', `${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

export class Fmp4Renditions {
  // Shared by every fMP4 file of the film.
  private readonly readings: MoovReadings;

  constructor(private readonly store: AudioStore) {
    this.readings = store.moovReadings;
  }

  private async reading(renditionPath: string, source: SourceReader): Promise<MoovReading> {
    const reading = await this.readings.read(renditionPath, source, (info) => {
      if (info?.derived) throw new CasterpakError('NOT_FOUND', `${renditionPath}: the fMP4 form is offered for source renditions only`);
    });
    // A fragmented source's moov holds none of its samples (formats/mp4/fragments.ts).
    if (reading.movie.fragmented)
      throw new CasterpakError('UNSUPPORTED_MEDIA', `${renditionPath}: the fMP4 form needs an unfragmented MP4`);
    return reading;
  }

  private static ref(reading: MoovReading, renditionPath: string, ref: Fmp4Ref): Fmp4Ref {
    if (!fmp4Refs(reading.movie, reading.plan).includes(ref))
      throw new CasterpakError('NOT_FOUND', `${renditionPath} has no ${ref === 'v' ? 'video' : `audio track ${ref}`} in its fMP4 form`);
    return ref;
  }

  // With the source open and its moov read: what `use` makes of them (nothing written).
  private withReading<T>(renditionPath: string, use: (reading: MoovReading, source: SourceReader) => Promise<T>): Promise<T> {
    return this.readings.withSource(renditionPath, async (source) => use(await this.reading(renditionPath, source), source));
  }

  // A file of the fmp4/ directory made by `make` unless it is there.
  private ensureFile(
    renditionPath: string,
    name: string,
    make: (dir: string, reading: MoovReading, source: SourceReader) => Promise<string | Uint8Array>,
  ): Promise<MoovFile> {
    const read = (source: SourceReader) => this.reading(renditionPath, source);
    return this.readings.ensureFile(renditionPath, path.join(FMP4_DIR, name), 'fmp4', read, make);
  }

  // What the master and the DASH manifest list: every fMP4 rendition of the film, from its moov.
  async describe(renditionPath: string): Promise<Fmp4Description> {
    await this.store.ensure(renditionPath);
    return this.withReading(renditionPath, (reading) => {
      const video = videoTrack(reading.media);
      const renditions = describeFmp4(reading.movie, reading.plan, {
        width: video?.width,
        height: video?.height,
        frameRate: video?.frameRate,
      });
      return Promise.resolve({ renditions, durationMs: reading.media.durationMs });
    });
  }

  // The video's I-frame playlist (formats/fmp4/iframe-playlist.ts): made from the moov on each
  // request, as its byte ranges are known without reading a segment.
  async iframePlaylist(renditionPath: string): Promise<string> {
    await this.store.ensure(renditionPath);
    return this.withReading(renditionPath, (reading) => {
      Fmp4Renditions.ref(reading, renditionPath, 'v');
      const { movie, plan } = reading;
      const entries = iframeEntries(
        fmp4Track(movie, plan, 'v'),
        fmp4Ranges(movie, plan, 'v'),
        plan.segments.map((s) => s.duration),
      );
      const base = segmentBaseUrl(this.store.options.publicBaseUrl, renditionPath);
      const prefix = base === null ? '../' : `${base}${FMP4_DIR}/`;
      return Promise.resolve(
        buildFmp4IFramePlaylist(entries, { init: prefix + fmp4InitName('v'), segment: (k) => prefix + fmp4SegmentName(k, 'v') }),
      );
    });
  }

  playlist(renditionPath: string, ref: Fmp4Ref): Promise<MoovFile> {
    return this.ensureFile(renditionPath, fmp4PlaylistName(ref), async (dir, reading) => {
      Fmp4Renditions.ref(reading, renditionPath, ref);
      const base = segmentBaseUrl(this.store.options.publicBaseUrl, renditionPath);
      const prefix = base === null ? '' : `${base}${FMP4_DIR}/`;
      const ts = await fs.readFile(path.join(dir, INDEX_PLAYLIST), 'utf8');
      try {
        return fmp4MediaPlaylist(ts, { init: prefix + fmp4InitName(ref), segment: (k) => prefix + fmp4SegmentName(k, ref) });
      } catch (error) {
        if (error instanceof PlaylistFormatError)
          throw new CasterpakError('BAD_PLAYLIST', `${renditionPath}: ${error.message}`, { cause: error });
        throw error;
      }
    });
  }

  init(renditionPath: string, ref: Fmp4Ref): Promise<MoovFile> {
    return this.ensureFile(renditionPath, fmp4InitName(ref), (_, reading) => {
      const name = `${renditionPath} ${fmp4InitName(ref)}`;
      Fmp4Renditions.ref(reading, renditionPath, ref);
      return Promise.resolve(
        asMediaError(name, () => buildInitSegment(reading.moov, reading.movie, fmp4Track(reading.movie, reading.plan, ref))),
      );
    });
  }

  segment(renditionPath: string, ref: Fmp4Ref, segmentNumber: number): Promise<MoovFile> {
    return this.ensureFile(renditionPath, fmp4SegmentName(segmentNumber, ref), async (_, reading, source) => {
      const name = `${renditionPath} ${fmp4SegmentName(segmentNumber, ref)}`;
      Fmp4Renditions.ref(reading, renditionPath, ref);
      const range = fmp4Ranges(reading.movie, reading.plan, ref)[segmentNumber - 1];
      if (!range)
        throw new CasterpakError('NOT_FOUND', `${renditionPath} has ${reading.plan.segments.length} segments, not ${segmentNumber}`);
      if (range.end === range.start) throw new CasterpakError('NOT_FOUND', `${name}: no samples in segment ${segmentNumber}`);
      const track = fmp4Track(reading.movie, reading.plan, ref);
      const span = rangeSpan(track, range);
      const bytes = await source.read(span.start, span.end - span.start);
      return asMediaError(name, () => buildMediaSegment(track, range, segmentNumber, { start: span.start, bytes }));
    });
  }

  // `casterpak package --format fmp4|both`: every fMP4 file of the film; the bytes now on disk
  // for them, and whether any was made.
  async ensureAll(renditionPath: string): Promise<{ bytes: number; made: boolean }> {
    const { renditions } = await this.describe(renditionPath);
    const info = await this.store.info(renditionPath);
    let bytes = 0;
    let made = false;
    const count = async (file: Promise<MoovFile>) => {
      const { file: name, status } = await file;
      bytes += (await fs.stat(name)).size;
      made ||= status !== 'HIT';
    };
    for (const { ref, timeline } of renditions) {
      await count(this.playlist(renditionPath, ref));
      await count(this.init(renditionPath, ref));
      // A track without samples in its last segments has none there (tracks.ts timeline).
      for (let k = 1; k <= Math.min(info?.segments ?? 0, timeline.length); k++) await count(this.segment(renditionPath, ref, k));
    }
    return { bytes, made };
  }
}
