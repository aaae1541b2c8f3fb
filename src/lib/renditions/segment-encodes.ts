// The encodes of one `package --ladder` batch (ladder-batch.ts): a source segment decoded once
// and every profile still missing it encoded in one ffmpeg run (transcoder.ts encodeSegment),
// taken by each profile's segment transform (derivations.ts) instead of a run of its own.
import type { ExtractParts, ExtractTransform } from '../packaging/segment-maker.js';
import type { SharedEncodes } from './derivations.js';
import type { EncodeOutput } from './ladder-plan.js';
import { encodeSegment, type TranscodeOptions } from './transcoder.js';

interface Planned {
  readonly names: readonly string[];
  run?: Promise<Uint8Array[]>;
  readonly outputs: ReadonlyArray<Omit<EncodeOutput, 'file'>>;
}

// The encodes of one batch: the segments whose profiles are planned together, each encoded in
// one ffmpeg run by the first transform that asks for one of them. A source segment is named by
// its span in the source (what ffmpeg decodes).
export class SegmentEncodes implements SharedEncodes {
  private readonly planned = new Map<string, Planned>();

  constructor(private readonly options: TranscodeOptions) {}

  // Plans one run for `outputs`; the returned function forgets it (what was not taken is dropped).
  plan(sourcePath: string, spanStart: number, outputs: ReadonlyArray<Omit<EncodeOutput, 'file'> & { readonly name: string }>): () => void {
    const key = `${sourcePath}\0${spanStart}`;
    const planned = outputs.map(({ profile, size, oneThread }) => ({ profile, size, ...(oneThread ? { oneThread } : {}) }));
    this.planned.set(key, { names: outputs.map((o) => o.name), outputs: planned });
    return () => this.planned.delete(key);
  }

  async encoded(
    sourcePath: string,
    profileName: string,
    parts: ExtractParts,
    work: Parameters<ExtractTransform>[1],
  ): Promise<Uint8Array | null> {
    const planned = this.planned.get(`${sourcePath}\0${parts.spanStart}`);
    const at = planned ? planned.names.indexOf(profileName) : -1;
    if (!planned || at < 0) return null;
    planned.run ??= encodeSegment(parts, planned.outputs, work, this.options);
    return (await planned.run)[at];
  }
}
