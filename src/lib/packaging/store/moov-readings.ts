// One moov reading per source version (its size and version), kept for the files made from it one
// by one: the segments of audio renditions (audio-requests.ts) and of the fMP4 form (fmp4/).
import { boundedCache } from '../../shared/bounded-cache.js';
import type { RenditionInfo } from '../../cache/rendition-info.js';
import { readSourceMoov, type MoovReading } from '../moov-rendition.js';
import type { SourceReader } from '../source/source-reader.js';
import type { StoreContext } from './store-context.js';

export class MoovReadings {
  private readonly readings = boundedCache<string, MoovReading>({ max: 32 });

  constructor(private readonly store: Pick<StoreContext, 'info' | 'options'>) {}

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
}
