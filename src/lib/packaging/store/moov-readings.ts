// The files of a rendition made one by one from its source's moov after the rendition itself: the
// audio renditions (audio-requests.ts) and the fMP4 form (fmp4/). One moov reading per source
// version (its size and version) is kept for them, in one cache of the store bounded by bytes; each
// file is made once (single-flight per file, under a job slot, written by atomic rename), never
// from a source that changed since the rendition was made.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { boundedCache } from '../../shared/bounded-cache.js';
import { CasterpakError } from '../../shared/errors.js';
import { exists } from '../../shared/exists.js';
import { renditionKey } from '../../cache/names.js';
import { writeFileAtomic } from '../../cache/atomic-write.js';
import type { RenditionInfo } from '../../cache/rendition-info.js';
import { readSourceMoov, type MoovReading } from '../moov-rendition.js';
import type { SourceReader } from '../source/source-reader.js';
import type { CacheStatus } from './single-run.js';
import type { PackagingEvent, StoreContext } from './store-context.js';

// What of the rendition store (rendition-store.ts) these files use: its context, and its
// rendition made first (the playlist they follow, the directory they live in).
export interface AudioStore extends StoreContext {
  ensure(renditionPath: string): Promise<{ readonly status: CacheStatus; readonly dir: string }>;
  /** The store's one cache of readings, shared by audio renditions and the fMP4 form. */
  readonly moovReadings: MoovReadings;
}

// A reading of a 2-hour film holds its moov (5 MB) and its sample tables (14 MB for 518,000
// samples): kept by those bytes, so the cache holds four such films or fifty 10-minute ones, not
// a count of them whatever their length (32 readings of 2-hour films were 600 MiB and more).
const MOOV_READINGS_BYTES = 96 * 2 ** 20;
export function readingBytes(reading: MoovReading): number {
  let bytes = reading.moov.byteLength;
  for (const track of reading.movie.tracks)
    for (const table of Object.values(track.samples)) if (ArrayBuffer.isView(table)) bytes += table.byteLength;
  return bytes + 1024 * reading.plan.segments.length;
}

export interface MoovFile {
  readonly file: string;
  readonly status: CacheStatus;
}

export class MoovReadings {
  private readonly readings: ReturnType<typeof boundedCache<string, MoovReading>>;

  constructor(
    private readonly store: Omit<AudioStore, 'moovReadings'>,
    maxBytes = MOOV_READINGS_BYTES,
  ) {
    this.readings = boundedCache<string, MoovReading>({ maxSize: maxBytes, sizeOf: readingBytes });
  }

  // `check` sees the rendition's info before a reading is made (it throws to refuse).
  async read(renditionPath: string, source: SourceReader, check?: (info: RenditionInfo | null) => void): Promise<MoovReading> {
    const key = `${renditionPath}\0${source.identity.size}\0${source.identity.version}`;
    const known = this.readings.get(key);
    if (known) return known;
    const info = await this.store.info(renditionPath);
    check?.(info);
    const segmentDuration = info?.segmentDuration ?? this.store.options.segmentDuration;
    const reading = await readSourceMoov({ renditionPath, source, segmentDuration });
    this.readings.set(key, reading);
    return reading;
  }

  // With the source open, once it is known to be the one the rendition was made from: never a
  // new source's file beside an old source's segments (the rendition is made again on its next
  // request, store/segment-requests.ts).
  async withSource<T>(renditionPath: string, use: (source: SourceReader) => Promise<T>): Promise<T> {
    const source = await this.store.open(renditionPath);
    try {
      const info = this.store.entries.get(renditionPath)?.info ?? (await this.store.info(renditionPath));
      if (info && info.source.size !== source.identity.size)
        throw new CasterpakError('NOT_FOUND', `${renditionPath}: the source changed; its rendition is made again on the next request`);
      return await use(source);
    } finally {
      await source.close();
    }
  }

  // `name` (a path below the rendition's directory) made by `make` unless it is there.
  async ensureFile(
    renditionPath: string,
    name: string,
    what: PackagingEvent['what'],
    read: (source: SourceReader) => Promise<MoovReading>,
    make: (dir: string, reading: MoovReading, source: SourceReader) => Promise<string | Uint8Array>,
  ): Promise<MoovFile> {
    const { dir, status: made } = await this.store.ensure(renditionPath);
    const file = path.join(dir, name);
    if (await exists(file)) return { file, status: made };
    const status = await this.withSource(renditionPath, (source) =>
      this.store.runs.run(renditionKey(`${renditionPath}/${name}`), `${renditionPath} ${name}`, file, () =>
        this.store.job({
          renditionPath,
          what,
          source,
          limiter: this.store.options.limiter,
          work: async () => {
            const bytes = await make(dir, await read(source), source);
            await fs.mkdir(path.dirname(file), { recursive: true });
            await writeFileAtomic(file, bytes, { durable: false });
            return 'committed' as const;
          },
          outcomeOf: (outcome) => outcome,
        }),
      ),
    );
    return { file, status: made === 'HIT' ? status : made };
  }
}
