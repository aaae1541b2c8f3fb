// Makes one segment alone: its samples read in one span of the source (a range per track when
// they lie apart), a one-fragment MP4 extract (formats/mp42hls/extract.ts) run through mp42hls, the
// output checked (framing, PAT/PMT first, exactly the planned samples) and its continuity
// counters normalised, so segments made alone, by a whole-file run, or again after prune are
// the same bytes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { extractPieces, type SampleSlice } from '../formats/mp42hls/extract.js';
import { ALONE_SEGMENT_DURATION } from '../formats/mp42hls/segment-plan.js';
import { dropTrailingPes } from '../formats/mpegts/drop-trailing-pes.js';
import { pesCounts } from '../formats/mpegts/pes-counts.js';
import { tsFramingError } from '../formats/mpegts/sync-check.js';
import { SEGMENT_INDEX, type CacheLayout } from '../cache/names.js';
import type { Bento4 } from './bento4.js';
import { runTool, type ToolTiming } from '../shared/run-tool.js';
import { writePieces } from '../shared/file-io.js';
import { RAW_PLAYLIST, RAW_SEGMENT_TEMPLATE, buildMp42hlsArgs } from './mp42hls-args.js';
import { readRawPlaylist } from './media-playlist.js';
import { removeRunDir, tempDirDuring } from '../cache/temp-run.js';
import { NORMALISE_ROOM, asToolError, normaliseSegment } from './ts-file.js';
import { PREAMBLE, decodeHeader, headerAt, segmentRecords, slicesFromRecords, type IndexHeader } from './index/segment-index.js';
import type { SourceReader } from './source/source-reader.js';
import { laidEndToEnd, readRanges } from '../formats/mp42hls/extract-reads.js';
import type { JobLimiter } from './job-limiter.js';
import type { Movie } from '../formats/mp4/moov.js';
import type { MediaInfo } from '../formats/mp4/media-info.js';
import type { RenditionInfo } from '../cache/rendition-info.js';

// A rendition's index, read once: its header and the extract header every segment shares.
export interface LoadedIndex {
  readonly header: IndexHeader;
  readonly extractHeader: Uint8Array;
  readonly file: string;
  /** The file, or its first bytes, while a playlist has just made it (store/rendition-entries.ts):
   * the records they hold are read from them, the rest from the file. */
  readonly bytes?: Uint8Array;
}

async function readAt(handle: fs.FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  if (bytesRead !== length) throw new CasterpakError('TOOL', `segment index cut short at ${offset + bytesRead}`);
  return buffer;
}

// The index of the rendition in `dir` (throws ENOENT when it has none).
export async function loadIndex(dir: string): Promise<LoadedIndex> {
  const file = path.join(dir, SEGMENT_INDEX);
  const handle = await fs.open(file, 'r');
  try {
    const { offset, length } = headerAt(await readAt(handle, 0, PREAMBLE));
    const header = decodeHeader(await readAt(handle, offset, length));
    return { header, extractHeader: await readAt(handle, header.extractHeader.offset, header.extractHeader.length), file };
  } finally {
    await handle.close();
  }
}

// The index a playlist has just encoded (index/segment-index.ts) for the rendition in `dir`, as
// loadIndex reads it, with the file's bytes: all of them, or with `segments` a copy of those up
// to the end of the first that many segments' records.
export function indexFromBytes(bytes: Uint8Array, dir: string, segments = Infinity): LoadedIndex {
  const file = path.join(dir, SEGMENT_INDEX);
  const at = headerAt(bytes.subarray(0, PREAMBLE));
  const header = decodeHeader(bytes.subarray(at.offset, at.offset + at.length));
  const { offset, length } = header.extractHeader;
  const extractHeader = bytes.slice(offset, offset + length); // a copy: kept without `bytes` later
  const kept = Math.min(segments, header.segments.length);
  if (kept === header.segments.length) return { header, extractHeader, file, bytes };
  const last = kept > 0 ? segmentRecords(header, kept - 1) : { offset: 0, length: 0 };
  return { header, extractHeader, file, bytes: bytes.slice(0, last.offset + last.length) };
}

// The samples of the segment at `position` (0-based) in the index: one read of its records.
async function slicesOf(index: LoadedIndex, position: number): Promise<SampleSlice[]> {
  const { offset, length } = segmentRecords(index.header, position);
  if (index.bytes && offset + length <= index.bytes.length)
    return slicesFromRecords(index.header, position, index.bytes.subarray(offset, offset + length));
  const handle = await fs.open(index.file, 'r');
  try {
    return slicesFromRecords(index.header, position, await readAt(handle, offset, length));
  } finally {
    await handle.close();
  }
}

// The segment's sample bytes: its one span, or a range per track when they lie apart
// (formats/mp42hls/extract-reads.ts), the slices' offsets then counted in the ranges laid end to end.
async function readSegment(
  source: SourceReader,
  [start, end]: readonly [number, number],
  slices: SampleSlice[],
): Promise<{ spanStart: number; spanBytes: Uint8Array; slices: SampleSlice[] }> {
  const ranges = readRanges(slices);
  if (ranges.length <= 1) return { spanStart: start, spanBytes: await source.read(start, end - start), slices };
  const parts = await Promise.all(ranges.map((r) => source.read(r.start, r.end - r.start)));
  return { spanStart: 0, spanBytes: Buffer.concat(parts), slices: laidEndToEnd(slices, ranges) };
}

// What a derived rendition changes in a segment before mp42hls runs (renditions/): the source
// segment's extract, as its parts, in; the extract to package out.
export interface ExtractParts {
  readonly header: Uint8Array;
  /** In trak order, with each one's kind. */
  readonly slices: readonly SampleSlice[];
  readonly kinds: readonly ('video' | 'audio')[];
  readonly spanStart: number;
  readonly spanBytes: Uint8Array;
}
export type ExtractTransform = (
  parts: ExtractParts,
  work: { readonly tmp: string; readonly name: string; readonly signal?: AbortSignal },
) => Promise<Uint8Array>;

// A rendition derived from another source's segments (renditions/ implements it).
export interface Derivation {
  readonly sourcePath: string;
  /** The derived rendition's info from the source's moov reading and info; throws when it cannot be derived. */
  readonly describe: (reading: { readonly movie: Movie; readonly media: MediaInfo }, info: RenditionInfo) => RenditionInfo;
}
export interface Derivations {
  /** How `renditionPath` derives from a source; null when it is a source itself. */
  derive(renditionPath: string, signal?: AbortSignal): Promise<Derivation | null>;
  /** After the moov read of a source's own rendition: its info as served upright (a display
   * matrix turns its picture, renditions.upright), its segments then transcoded; null: as stored. */
  uprightSource?(reading: Parameters<Derivation['describe']>[0]): Promise<((info: RenditionInfo) => RenditionInfo) | null>;
  /** The transform of a transcoded rendition's segments (cache/rendition-info.ts transcodedFrom). */
  transform(info: RenditionInfo): ExtractTransform;
  /** Transcodes run under their own job limit. */
  readonly limiter: JobLimiter;
}

interface SegmentJob {
  readonly bento4: Bento4;
  readonly layout: CacheLayout;
  readonly renditionPath: string;
  readonly index: LoadedIndex;
  /** 1-based, as in segment<N>_0_av.ts. */
  readonly segmentNumber: number;
  /** Where the segment is in `index` (0-based): 0 in an index of that segment alone; default segmentNumber - 1. */
  readonly position?: number;
  readonly source: SourceReader;
  readonly signal?: AbortSignal;
  readonly transform?: ExtractTransform;
  /** Gets the mp42hls run's time added. */
  readonly timing?: ToolTiming;
}

// The files packageExtract leaves in its run directory, for removeRunDir (cache/temp-run.ts).
const EXTRACT_FILE = 'extract.mp4';
const ONLY_SEGMENT = RAW_SEGMENT_TEMPLATE.replace('%d', '0');
const RUN_FILES = [EXTRACT_FILE, RAW_PLAYLIST];
// A ceiling on one segment's output (held in memory whole): 10 s at 200 Mbit/s is 250 MB.
const MAX_SEGMENT_BYTES = 256 * 1024 * 1024;

// MPEG-TS is the extract's samples in 188-byte packets with headers: 1.13 times the extract's bytes
// for the bench film's 2.2 MB segments, 1.1-1.35 for the tests' small ones (the buffer grows then).
const expectedOutput = (pieces: readonly Uint8Array[]) => Math.ceil(1.2 * pieces.reduce((sum, piece) => sum + piece.byteLength, 0));

// mp42hls over a one-segment extract written into `tmp`: the one segment it wrote to stdout,
// framed MPEG-TS (audio renditions' segments come through here too: store/audio-requests.ts).
// The extract (one buffer, or pieces written one after the other) is written without an fsync
// (it is thrown away) and unlinked while the playlist is read. The output is the caller's alone,
// with NORMALISE_ROOM after it (normaliseSegment rewrites it in place).
export async function packageExtract(
  bento4: Bento4,
  tmp: string,
  extract: Uint8Array | readonly Uint8Array[],
  name: string,
  signal?: AbortSignal,
  timing?: ToolTiming,
): Promise<Buffer> {
  return packageWritten(bento4, tmp, await writeExtract(tmp, extract), name, signal, timing);
}

// The extract's file in `tmp`; the output expected of it (expectedOutput).
async function writeExtract(tmp: string, extract: Uint8Array | readonly Uint8Array[]): Promise<number> {
  const pieces = extract instanceof Uint8Array ? [extract] : extract;
  await writePieces(path.join(tmp, EXTRACT_FILE), pieces);
  return expectedOutput(pieces);
}

// mp42hls over the extract writeExtract left in `tmp`, as packageExtract says.
async function packageWritten(bento4: Bento4, tmp: string, expect: number, name: string, signal?: AbortSignal, timing?: ToolTiming) {
  const input = path.join(tmp, EXTRACT_FILE);
  const args = buildMp42hlsArgs({ source: input, outDir: tmp, segmentDuration: ALONE_SEGMENT_DURATION, segmentsToStdout: true });
  const run = await runTool(bento4.mp42hls, args, {
    timeoutMs: bento4.timeoutMs,
    signal,
    bytes: { max: MAX_SEGMENT_BYTES, room: NORMALISE_ROOM, expect },
  });
  if (timing) timing.toolMs += run.ms;
  const unlinked = fs.unlink(input).catch(() => {}); // what is left is removed with the run directory
  try {
    // Its playlist must name the one segment, as the template would.
    const raw = readRawPlaylist(await fs.readFile(path.join(tmp, RAW_PLAYLIST), 'utf8'));
    if (raw.length !== 1) throw new CasterpakError('TOOL', `mp42hls wrote ${raw.length} segments for ${name}, not 1`);
    if (raw[0].uri !== ONLY_SEGMENT) throw new CasterpakError('TOOL', `mp42hls named ${name} "${raw[0].uri}", not ${ONLY_SEGMENT}`);
    const output = run.stdout;
    const framing = tsFramingError(output);
    if (framing || output.length === 0) throw new CasterpakError('TOOL', `mp42hls wrote an invalid ${name}: ${framing ?? 'empty'}`);
    return output;
  } finally {
    await unlinked;
  }
}

// The segment's extract written into `tmp` from the source's span (read while the run directory
// is made: two round trips at once). In a function of its own, so nothing holds the span's bytes
// once it returns: they die young, before mp42hls runs, not at a full collection (docs/benchmarks.md,
// "Cold path, twelfth round").
async function extractOf(job: SegmentJob, span: readonly [number, number], position: number, name: string) {
  const { tmp, result } = await tempDirDuring(job.layout, job.renditionPath, async () =>
    readSegment(job.source, span, await slicesOf(job.index, position)),
  );
  try {
    const { spanStart, spanBytes, slices } = result;
    const { header } = job.index;
    const parts: ExtractParts = { header: job.index.extractHeader, slices, kinds: header.tracks.map((t) => t.kind), spanStart, spanBytes };
    const extract = job.transform
      ? await job.transform(parts, { tmp, name, signal: job.signal })
      : extractPieces(parts.header, slices, spanStart, spanBytes);
    return { tmp, expect: await writeExtract(tmp, extract) };
  } catch (error) {
    await removeRunDir(tmp, RUN_FILES);
    throw error;
  }
}

// The checked, normalised bytes of one segment. Throws TOOL when mp42hls's output is not
// exactly the planned segment (the caller then falls back to a whole-file run).
export async function makeSegmentAlone(job: SegmentJob): Promise<Uint8Array> {
  const { header } = job.index;
  const position = job.position ?? job.segmentNumber - 1;
  const segment = header.segments.at(position);
  const name = `${job.renditionPath} segment ${job.segmentNumber}`;
  if (!segment)
    throw new CasterpakError('NOT_FOUND', `${job.renditionPath} has ${header.segments.length} segments, not ${job.segmentNumber}`);
  const { tmp, expect } = await extractOf(job, segment.span, position, name);
  let removed: Promise<void> | null = null;
  const remove = () => (removed ??= removeRunDir(tmp, RUN_FILES));
  try {
    const output = await packageWritten(job.bento4, tmp, expect, name, job.signal, job.timing);
    void remove().catch(() => {}); // under way while the output is checked; awaited below
    const ts = asToolError(name, () => dropTrailingPes(output, segment.lookahead, true));
    const counts = asToolError(name, () => pesCounts(ts));
    const want = (kind: 'video' | 'audio') => header.tracks.reduce((sum, t, k) => sum + (t.kind === kind ? segment.pes[k] : 0), 0);
    if (!counts.tablesFirst || counts.video !== want('video') || counts.audio !== want('audio')) {
      throw new CasterpakError(
        'TOOL',
        `mp42hls wrote ${name} with ${counts.video} video and ${counts.audio} audio samples${counts.tablesFirst ? '' : ', no PAT/PMT first'}; planned ${want('video')} and ${want('audio')}`,
      );
    }
    return normaliseSegment(ts, job.segmentNumber, name, true);
  } finally {
    await remove();
  }
}
