// Turns a source segment's extract into a derived rendition's (formats/mp42hls/derived-extract.ts):
// ffmpeg encodes the segment's video for one or more profiles, under the transcode job limit
// and a time limit per run; the audio and the source's times stay as they are.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { concat } from '../formats/mp4/box-writer.js';
import { Mp4FormatError } from '../formats/mp4/errors.js';
import { assembleExtract } from '../formats/mp42hls/extract.js';
import { deriveExtractHeader, derivedVideoSlice, readEncodedVideo } from '../formats/mp42hls/derived-extract.js';
import { runTool } from '../shared/run-tool.js';
import type { ExtractParts, ExtractTransform } from '../packaging/segment-maker.js';
import { encodeArgs, type EncodeOutput } from './ladder-plan.js';
import type { Ffmpeg } from './ffmpeg.js';

export interface TranscodeOptions {
  readonly ffmpeg: Ffmpeg;
  readonly timeoutMs: number;
}

// Ffmpeg's encodes of the segment's video, one file per output, in one run (decoded once).
export async function encodeSegment(
  parts: ExtractParts,
  outputs: readonly Omit<EncodeOutput, 'file'>[],
  work: { tmp: string; signal?: AbortSignal },
  options: TranscodeOptions,
): Promise<Uint8Array[]> {
  const input = path.join(work.tmp, 'source.mp4');
  await fs.writeFile(input, assembleExtract(parts.header, parts.slices, parts.spanStart, parts.spanBytes));
  const files = outputs.map((o) => ({
    ...o,
    file: path.join(work.tmp, `encoded-${o.size.width}x${o.size.height}-${o.profile.videoBitrate}.mp4`),
  }));
  await runTool(options.ffmpeg.path, encodeArgs(input, files), { timeoutMs: options.timeoutMs, signal: work.signal });
  return Promise.all(files.map((f) => fs.readFile(f.file)));
}

// The extract to package, with `encoded` (ffmpeg's MP4) in place of the source's video.
function replaceVideo(parts: ExtractParts, encodedFile: Uint8Array, name: string): Uint8Array {
  const video = parts.kinds.indexOf('video');
  if (video < 0) throw new CasterpakError('UNSUPPORTED_MEDIA', `${name}: the source has no video to derive from`);
  try {
    const encoded = readEncodedVideo(encodedFile);
    const encodedAt = parts.spanStart + parts.spanBytes.length; // the encoded file's bytes follow the span's
    const slices = parts.slices.map((s, k) => (k === video ? derivedVideoSlice(s, encoded, encodedAt) : s));
    return assembleExtract(
      deriveExtractHeader(parts.header, parts.slices[video].trackId, encoded),
      slices,
      parts.spanStart,
      concat([parts.spanBytes, encodedFile]),
    );
  } catch (error) {
    if (error instanceof Mp4FormatError)
      throw new CasterpakError('TOOL', `ffmpeg wrote an unusable ${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

// An encode of the segment already made for this profile with others in one run (package
// --ladder: renditions/ladder-batch.ts), or null: ffmpeg runs for this profile alone.
type SharedEncode = (parts: ExtractParts, work: Parameters<ExtractTransform>[1]) => Promise<Uint8Array | null>;

// The transform of one transcoded rendition's segments (serve: one profile at a time).
export function transcodeTransform(output: Omit<EncodeOutput, 'file'>, options: TranscodeOptions, shared?: SharedEncode): ExtractTransform {
  return async (parts, work) => {
    const encoded = (await shared?.(parts, work)) ?? (await encodeSegment(parts, [output], work, options))[0];
    return replaceVideo(parts, encoded, work.name);
  };
}
