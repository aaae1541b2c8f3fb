// The subtitle renditions of a rendition (docs/tracks.md): its MP4's tx3g tracks and the sidecar
// files beside a local source (`<name>.<lang>.srt|vtt`, `<name>.srt|vtt`), each a WebVTT media
// playlist whose segments follow the rendition's own. Made in memory on request: a few
// kilobytes of text, cheaper to make again than to cache and prune.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../shared/errors.js';
import { boundedCache } from '../../shared/bounded-cache.js';
import { INDEX_PLAYLIST, subtitleSegmentName } from '../../cache/names.js';
import { parseMediaPlaylist } from '../../formats/hls/codec.js';
import { parseSrt, parseWebVtt, webVttSegment, type Cue } from '../../formats/hls/webvtt.js';
import { tx3gCues } from '../../formats/mp4/tx3g.js';
import type { Movie } from '../../formats/mp4/moov.js';
import { readSourceMoov } from '../moov-rendition.js';
import type { AudioStore } from './moov-readings.js';

interface SubtitleRendition {
  /** `s<track ID>` for a tx3g track, `f-<lang>.<ext>` or `f-<ext>` for a sidecar file. */
  readonly id: string;
  /** ISO 639-2 code (tx3g) or BCP 47 tag (sidecar); 'und' when unknown. */
  readonly language: string;
  readonly isDefault: boolean;
  readonly trackId?: number;
}

interface SubtitleOptions {
  /** The local file of a rendition's source, null when it has none (remote): no sidecars then. */
  readonly localSource: (renditionPath: string) => Promise<string | null>;
  readonly onWarning: (message: string, fields: Record<string, unknown>) => void;
}

const SIDECAR_SUFFIX = /^(?:([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\.)?(srt|vtt)$/;
const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

interface Known {
  readonly renditions: SubtitleRendition[];
  readonly cues: Map<string, () => Promise<Cue[]>>;
  /** 90 kHz MPEG-TS time of presentation time 0 (see mpegTsZero). */
  readonly zero: number;
}

// mp42hls writes PTS = (decode + composition offset) × 90 kHz of the samples on the presentation
// timeline (formats/mp4/timeline/presentation.ts), which the common offset starts after presentation
// time 0, where cue times count from; the first picture is presented at 0 (an ffmpeg-made edit
// list starts it there), so its PTS is where 0 lies.
function mpegTsZero(movie: Movie): number {
  const video = movie.tracks.find((t) => t.handler === 'vide');
  if (!video || video.samples.count === 0) return 0;
  return Math.round(((video.samples.decodeTimes[0] + video.samples.compositionOffsets[0]) * 90000) / video.timescale);
}

export class SubtitleRenditions {
  private readonly known = boundedCache<string, Known>({ max: 64 });

  constructor(
    private readonly store: AudioStore,
    private readonly options: SubtitleOptions,
  ) {}

  // A sidecar's cues; a malformed or unreadable one is null, and said once per listing.
  private async sidecarCues(file: string, renditionPath: string): Promise<Cue[] | null> {
    try {
      const stat = await fs.stat(file);
      if (stat.size > MAX_SIDECAR_BYTES) throw new Error(`larger than ${MAX_SIDECAR_BYTES} bytes`);
      const text = await fs.readFile(file, 'utf8');
      return file.toLowerCase().endsWith('.srt') ? parseSrt(text) : parseWebVtt(text);
    } catch (error) {
      this.options.onWarning('subtitle file left out', {
        rendition: renditionPath,
        file: path.basename(file),
        reason: (error as Error).message,
      });
      return null;
    }
  }

  private async sidecars(renditionPath: string, known: Known): Promise<void> {
    const source = await this.options.localSource(renditionPath);
    if (source === null) return;
    const base = path.basename(source).replace(/\.[^.]*$/, '');
    const names = (await fs.readdir(path.dirname(source)).catch(() => [] as string[])).sort();
    for (const name of names) {
      if (!name.startsWith(`${base}.`) || !/\.(srt|vtt)$/i.test(name)) continue;
      const suffix = SIDECAR_SUFFIX.exec(name.slice(base.length + 1));
      if (!suffix) {
        this.options.onWarning('subtitle file left out', {
          rendition: renditionPath,
          file: name,
          reason: 'name outside <name>.<lang>.srt|vtt',
        });
        continue;
      }
      const cues = await this.sidecarCues(path.join(path.dirname(source), name), renditionPath);
      if (cues === null) continue;
      const id = `f-${name.slice(base.length + 1)}`;
      known.renditions.push({ id, language: suffix[1] ?? 'und', isDefault: false });
      known.cues.set(id, () => Promise.resolve(cues));
    }
  }

  private async load(renditionPath: string): Promise<Known> {
    const hit = this.known.get(renditionPath);
    if (hit) return hit;
    const info = await this.store.info(renditionPath);
    const source = await this.store.open(renditionPath);
    let known: Known;
    try {
      const segmentDuration = info?.segmentDuration ?? this.store.options.segmentDuration;
      const { movie } = await readSourceMoov({ renditionPath, source, segmentDuration });
      known = { renditions: [], cues: new Map(), zero: mpegTsZero(movie) };
      for (const track of movie.tracks.filter((t) => t.format === 'tx3g')) {
        const id = `s${track.id}`;
        known.renditions.push({ id, language: track.language, isDefault: track.enabled, trackId: track.id });
        known.cues.set(id, async () => {
          const reader = await this.store.open(renditionPath);
          try {
            const { offsets, sizes, count } = track.samples;
            const samples = await Promise.all(Array.from({ length: count }, (_, i) => reader.read(offsets[i], sizes[i])));
            return tx3gCues(track, samples);
          } finally {
            await reader.close();
          }
        });
      }
    } finally {
      await source.close();
    }
    await this.sidecars(renditionPath, known);
    this.known.set(renditionPath, known);
    return known;
  }

  async list(renditionPath: string): Promise<SubtitleRendition[]> {
    return (await this.load(renditionPath)).renditions;
  }

  // The rendition's own segment times: [start, end) seconds of each.
  private async segmentTimes(renditionPath: string): Promise<{ text: string; times: [number, number][] }> {
    const { dir } = await this.store.ensure(renditionPath);
    const text = await fs.readFile(path.join(dir, INDEX_PLAYLIST), 'utf8');
    let at = 0;
    const times = parseMediaPlaylist(text).segments.map((s): [number, number] => [at, (at += s.duration)]);
    return { text, times };
  }

  private async cuesOf(renditionPath: string, id: string): Promise<{ cues: Cue[]; zero: number }> {
    const known = await this.load(renditionPath);
    const cues = known.cues.get(id);
    if (!cues) throw new CasterpakError('NOT_FOUND', `${renditionPath} has no subtitles ${id}`);
    return { cues: await cues(), zero: known.zero };
  }

  async playlist(renditionPath: string, id: string): Promise<string> {
    await this.cuesOf(renditionPath, id);
    const { text } = await this.segmentTimes(renditionPath);
    return text.replace(/segment(\d+)_0_av\.ts$/gm, (_, k: string) => subtitleSegmentName(Number(k), id));
  }

  async segment(renditionPath: string, id: string, segmentNumber: number): Promise<string> {
    const { cues, zero } = await this.cuesOf(renditionPath, id);
    const { times } = await this.segmentTimes(renditionPath);
    const time = times[segmentNumber - 1];
    if (!time) throw new CasterpakError('NOT_FOUND', `${renditionPath} has ${times.length} segments, not ${segmentNumber}`);
    const to = segmentNumber === times.length ? Infinity : time[1];
    return webVttSegment(cues, segmentNumber === 1 ? -Infinity : time[0], to, zero);
  }
}
