// The one writer of a rendition directory: into a run directory (cache/temp-run.ts) it writes
// the segment index (when segments can be made alone), `.rendition.json` and the media playlist;
// the caller commits it (cache/commit.ts). The moov path
// and the whole-file path both come through here, so a rendition's files look the same whichever
// made it.
import path from 'node:path';
import { CasterpakError } from '../shared/errors.js';
import { INDEX_PLAYLIST, SEGMENT_INDEX } from '../cache/names.js';
import { writeRenditionInfo, type RenditionInfo } from '../cache/rendition-info.js';
import { writeFileFlushed } from '../cache/atomic-write.js';
import { buildMediaPlaylist, segmentBaseUrl } from './media-playlist.js';
import { writePieces } from '../shared/file-io.js';

interface RenditionFiles {
  /** Each segment's duration in seconds, in order (segment number n is durations[n - 1]). */
  readonly durations: readonly number[];
  readonly info: RenditionInfo;
  /** `.segments.idx` (index/segment-index.ts); null when segments cannot be made alone. */
  readonly index: Uint8Array | null;
  readonly publicBaseUrl: string | null;
  /** The media playlist when the caller has made it already (renditionPlaylist), as it was answered. */
  readonly playlist?: string;
}

// A rendition's media playlist. What players get must pass a strict parser: the builder's text
// does for any finite, non-negative durations and any rendition path
// (test/lib/packaging/rendition-writer.test.ts runs the parser over it), so the durations are
// what is checked. Parsing the text again cost ~3 ms of a cold 2-hour playlist (720 segments).
export function renditionPlaylist(durations: readonly number[], publicBaseUrl: string | null, renditionPath: string): string {
  const bad = durations.findIndex((d) => !Number.isFinite(d) || d < 0);
  if (bad >= 0) throw new CasterpakError('BAD_PLAYLIST', `${renditionPath}: segment ${bad + 1} would last ${durations[bad]} s`);
  return buildMediaPlaylist(durations, { segmentBaseUrl: segmentBaseUrl(publicBaseUrl, renditionPath) });
}

export async function writeRenditionFiles(runDir: string, files: RenditionFiles): Promise<void> {
  const playlist = files.playlist ?? renditionPlaylist(files.durations, files.publicBaseUrl, files.info.renditionPath);
  // The three files at once (readers see none of them before the commit renames the directory):
  // their round trips in the thread pool overlap. The playlist is flushed (cache/atomic-write.ts);
  // a lost index or info is made again. All settle before a failure is thrown, so the caller's
  // removal of the run directory races no write.
  const written = await Promise.allSettled([
    files.index ? writePieces(path.join(runDir, SEGMENT_INDEX), [files.index]) : null, // one write, not 512 KiB steps
    writeRenditionInfo(runDir, files.info),
    writeFileFlushed(path.join(runDir, INDEX_PLAYLIST), playlist),
  ]);
  for (const result of written) if (result.status === 'rejected') throw result.reason;
}
