// Packages one MP4 into one rendition directory: mp42hls runs into a temporary directory in
// the cache, the output is verified (playlist parses, every segment is framed MPEG-TS, the
// EXTINFs add up to the source's duration), renamed to casterpak's names, and only then
// published by one atomic rename. `package` and `serve` both come through here.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError, ToolError, isCasterpakError, killedFromOutside } from '../shared/errors.js';
import { RAW_PLAYLIST, buildMp42hlsArgs } from './mp42hls-args.js';
import { checkPackageable, type MediaInfo } from './mp4info.js';
import type { RenditionInfo } from '../cache/rendition-info.js';
import { type CacheLayout, segmentName } from '../cache/names.js';
import { makeTempDir } from '../cache/temp-run.js';
import { nearlyFull } from '../shared/free-space.js';
import { audioFacts, indexedSource, type MoovReading } from './moov-rendition.js';
import { encodeSegmentIndex } from './index/segment-index.js';
import { playlistPeak, predictIFrameBandwidth } from '../formats/mp42hls/segment-size.js';
import { playableDurations, readRawPlaylist } from './media-playlist.js';
import { writeRenditionFiles } from './rendition-writer.js';
import { Mp4FormatError } from '../formats/mp4/errors.js';
import { MAX_MOOV_BYTES, NO_MOOV, walkTopLevelBoxes, type BoxSpan } from '../formats/mp4/top-level.js';
import { probeMedia, type Bento4 } from './bento4.js';
import { runTool } from '../shared/run-tool.js';
import { fragmentedSource, writeTimelineSource, type FragmentedSource } from './source/timeline-source.js';
import { normaliseSegment, tsFileError, tsReadBuffer } from './ts-file.js';

export interface PackageJob {
  readonly bento4: Bento4;
  readonly layout: CacheLayout;
  readonly renditionPath: string;
  readonly source: string; // a local file
  readonly segmentDuration: number;
  readonly publicBaseUrl: string | null;
  readonly signal?: AbortSignal;
  /** The source's moov reading (pinned Bento4): its index is kept when mp42hls cut as predicted. */
  readonly reading?: MoovReading;
}

const DURATION_TOLERANCE_S = 0.1;
const TIMELINE_SOURCE = 'timeline-source.mp4';

type SourceCheck = { size: number; mtimeMs: number; fragmented: FragmentedSource | null };
async function checkSource(file: string, name: string, segmentDuration: number): Promise<SourceCheck> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new CasterpakError('NOT_FOUND', `${name}: no such file`);
  }
  if (!stat.isFile()) throw new CasterpakError('NOT_FOUND', `${name}: not a regular file`);
  if (stat.size === 0) throw new CasterpakError('BAD_MEDIA', `${name}: empty file`);
  // The top-level walk (formats/mp4/top-level.ts): a cut-off copy (one box runs past the end) is
  // bad media, told before mp42hls writes half a rendition from it.
  const handle = await fs.open(file, 'r');
  const readAt = async (offset: number, length: number) => {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, offset);
    return buffer.subarray(0, bytesRead);
  };
  try {
    const moofs: BoxSpan[] = [];
    const mdats: BoxSpan[] = [];
    const { moov } = await walkTopLevelBoxes(stat.size, readAt, (type, span) =>
      (type === 'moof' ? moofs : type === 'mdat' ? mdats : []).push(span),
    );
    // mp4info's duration of a fragmented file is its moov's alone; the fragments say how long it
    // is, and where its edit lists move its samples. The moofs are held at once, bounded together
    // as one moov is (top-level.ts).
    if (moov && moofs.length > 0) {
      if (moofs.reduce((sum, m) => sum + m.size, moov.size) > MAX_MOOV_BYTES)
        throw new Mp4FormatError('moov and moofs larger than casterpak reads');
      const moovBytes = await readAt(moov.offset, moov.size);
      const fragments = [];
      for (const m of moofs) fragments.push({ bytes: await readAt(m.offset, m.size), offset: m.offset });
      return { size: stat.size, mtimeMs: stat.mtimeMs, fragmented: fragmentedSource(moovBytes, fragments, mdats, segmentDuration) };
    }
    return { size: stat.size, mtimeMs: stat.mtimeMs, fragmented: null };
  } catch (error) {
    throw error instanceof Mp4FormatError ? new CasterpakError('BAD_MEDIA', `${name}: ${error.message}`, { cause: error }) : error;
  } finally {
    await handle.close();
  }
}

// Bento4's stderr says what was wrong with the input; that makes it a 4xx, not a server fault.
function classifyToolError(error: unknown, name: string): unknown {
  if (!(error instanceof ToolError) || error.code !== 'TOOL') return error;
  const text = error.stderrTail.toLowerCase();
  if (text.includes('no movie')) return new CasterpakError('BAD_MEDIA', `${name}: ${NO_MOOV}`, { cause: error });
  if (text.includes('no space left'))
    return new CasterpakError('NO_SPACE', `no space left in the cache while packaging ${name} (${error.stderrTail})`, { cause: error });
  if (text.includes('not supported'))
    return new CasterpakError('UNSUPPORTED_MEDIA', `${name}: unsupported codec (${error.stderrTail})`, { cause: error });
  if (text.includes('no suitable tracks'))
    return new CasterpakError('BAD_MEDIA', `${name}: corrupt MP4, Bento4 finds no usable track (${error.stderrTail})`, { cause: error });
  return error;
}

// `stderr`: what the successful mp42hls run said; it exits 0 without a playlist when it cannot
// parse a sample description, and says so ("unable to parse ... sample description").
async function verifyAndRename(
  tmp: string,
  media: MediaInfo,
  name: string,
  stderr: string,
  plan: { readonly audioTail: number; readonly reorderDelay: number },
): Promise<{ durations: number[]; extinfs: string[]; sizes: number[] }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(tmp, RAW_PLAYLIST), 'utf8');
  } catch {
    const said = stderr.trim().split('\n').slice(-2).join(' | ').slice(-300);
    if (/unable to parse/i.test(said)) throw new CasterpakError('BAD_MEDIA', `${name}: corrupt MP4, Bento4 cannot read it (${said})`);
    throw new CasterpakError('TOOL', `mp42hls wrote no playlist for ${name}`);
  }
  const raw = readRawPlaylist(text);
  const sizes: number[] = [];
  const buffer = tsReadBuffer();
  for (const [position, segment] of raw.entries()) {
    const file = path.join(tmp, segment.uri);
    if (path.dirname(file) !== tmp) throw new CasterpakError('TOOL', `mp42hls listed an unexpected segment URI "${segment.uri}"`);
    let checked: { size: number; error: string | null };
    try {
      checked = await tsFileError(file, buffer);
    } catch {
      throw new CasterpakError('TOOL', `mp42hls listed segment ${position + 1} of ${name} but did not write it`);
    }
    if (checked.error) throw new CasterpakError('TOOL', `mp42hls wrote an invalid segment ${position + 1} for ${name}: ${checked.error}`);
    sizes.push(checked.size);
  }
  const total = raw.reduce((sum, s) => sum + s.duration, plan.audioTail);
  const expected = media.durationMs / 1000;
  if (Math.abs(total - expected) > DURATION_TOLERANCE_S + plan.reorderDelay) {
    throw new CasterpakError('TOOL', `mp42hls output for ${name} lasts ${total.toFixed(3)} s, the source ${expected.toFixed(3)} s`);
  }
  // One definition of a segment's bytes: the counters as a segment made alone has them.
  for (const [position, segment] of raw.entries()) {
    const segmentNumber = position + 1;
    const normalised = normaliseSegment(
      await fs.readFile(path.join(tmp, segment.uri)),
      segmentNumber,
      `segment ${segmentNumber} of ${name}`,
    );
    await fs.writeFile(path.join(tmp, segmentName(segmentNumber)), normalised);
    await fs.rm(path.join(tmp, segment.uri));
    sizes[position] = normalised.length;
  }
  await fs.rm(path.join(tmp, RAW_PLAYLIST));
  return { durations: raw.map((s) => s.duration), extinfs: raw.map((s) => s.extinf), sizes };
}

// Runs mp42hls into a new temporary directory and leaves a complete, verified rendition there.
// The caller commits it (commitRendition) or removes it; on failure nothing is left behind.
export async function wholeFileRendition(job: PackageJob): Promise<{ tmp: string; info: RenditionInfo }> {
  const name = job.renditionPath;
  const { fragmented, ...sourceStat } = await checkSource(job.source, name, job.segmentDuration);
  // The probe gates mp42hls: a file it refuses (no moov, unsupported codec) never reaches
  // Bento4's muxer, whose known crashes come from malformed input.
  let media: MediaInfo;
  try {
    media = await probeMedia(job.bento4, job.source, job.signal);
  } catch (error) {
    throw blameSource(classifyToolError(error, name));
  }
  if (media.tracks.length === 0) throw new CasterpakError('BAD_MEDIA', `${name}: ${NO_MOOV}`);
  if (fragmented) media = { ...media, durationMs: fragmented.ms };
  checkPackageable(media, name);
  const tmp = await makeTempDir(job.layout, job.renditionPath);
  try {
    // mp42hls ignores edit lists: when they move the samples, it reads them moved, and the
    // reading's plan is then the cut it must make (checked below as `indexed`).
    const moved = (fragmented ?? job.reading)?.timelineMoved ? (fragmented?.reading ?? job.reading) : undefined;
    let input = job.source;
    if (moved) {
      input = path.join(tmp, TIMELINE_SOURCE);
      await writeTimelineSource(input, job.source, moved);
    }
    const args = buildMp42hlsArgs({ source: input, outDir: tmp, segmentDuration: job.segmentDuration });
    let stderr: string;
    try {
      ({ stderr } = await runTool(job.bento4.mp42hls, args, { timeoutMs: job.bento4.timeoutMs, signal: job.signal }));
    } catch (error) {
      throw classifyToolError(error, name);
    }
    if (input !== job.source) await fs.rm(input);
    // What mp42hls's clock does not count (the audio past the video's end, the last pictures'
    // reordering), known from the plan (pinned Bento4).
    const plan = (fragmented?.reading ?? job.reading)?.plan;
    const timing = { audioTail: plan?.audioTail ?? 0, reorderDelay: plan?.reorderDelay ?? 0 };
    const { durations: raw, extinfs, sizes } = await verifyAndRename(tmp, media, name, stderr, timing);
    const durations = playableDurations(raw, media.durationMs, timing.audioTail);
    // Segments can be made alone later only where mp42hls cut exactly as predicted.
    const { reading } = job;
    const indexed =
      reading !== undefined && reading.wholeFileBecause === null && extinfs.join() === reading.plan.segments.map((p) => p.extinf).join();
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const durationMs = Math.round(durations.reduce((a, b) => a + b, 0) * 1000);
    const info: RenditionInfo = {
      renditionPath: job.renditionPath,
      source: sourceStat,
      segmentDuration: job.segmentDuration,
      durationMs,
      segments: durations.length,
      bytes,
      peakBitrate: playlistPeak(sizes, durations),
      averageBitrate: Math.round((bytes * 8) / Math.max(durationMs / 1000, 0.001)),
      ...(indexed && reading.plan.videoTrack ? { iframeBitrate: predictIFrameBandwidth(reading.plan) } : {}),
      media,
      ...(indexed ? audioFacts(reading, media, durations) : {}),
    };
    const index = indexed ? encodeSegmentIndex(reading.moov, reading.movie, reading.plan, indexedSource(reading.identity)) : null;
    await writeRenditionFiles(tmp, { durations, info, index, publicBaseUrl: job.publicBaseUrl });
    return { tmp, info };
  } catch (error) {
    const free = await nearlyFull(tmp); // measured before the partial output goes
    await fs.rm(tmp, { recursive: true, force: true });
    const interrupted = isCasterpakError(error) && (error.code === 'CANCELLED' || error.code === 'TIMEOUT');
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC' || (free !== null && !interrupted)) {
      throw new CasterpakError(
        'NO_SPACE',
        `no space left in the cache while packaging ${name}${free === null ? '' : ` (${free} bytes free)`}`,
        { cause: error },
      );
    }
    throw blameSource(error);
  }
}

// The source passed the MP4 box walk (and mp4info), so when Bento4 then crashes, fails, or writes
// output that does not check out, the same file will fail the same way every time: that is bad
// media (4xx, remembered), not a fault of the origin. What says nothing about the file stays as
// it is: a tool that could not start, a time limit, a cancel, a kill from outside.
function blameSource(error: unknown): unknown {
  if (!isCasterpakError(error) || error.code !== 'TOOL' || killedFromOutside(error)) return error;
  const couldNotStart = error instanceof ToolError && error.exitCode === undefined && error.signal === undefined;
  return couldNotStart ? error : new CasterpakError('BAD_MEDIA', error.message, { cause: error });
}
