// The one writer of a rendition directory: into a run directory (cache/temp-run.ts) it writes
// the segment index (when segments can be made alone), `.rendition.json` and, last, the media
// playlist, then flushes the directory; the caller commits it (cache/commit.ts). The moov path
// and the whole-file path both come through here, so a rendition's files look the same whichever
// made it.
import path from 'node:path';
import { parseMediaPlaylist } from '../formats/hls/codec.js';
import { PlaylistFormatError } from '../formats/hls/errors.js';
import { CasterpakError } from '../shared/errors.js';
import { INDEX_PLAYLIST, SEGMENT_INDEX } from '../cache/names.js';
import { writeRenditionInfo, type RenditionInfo } from '../cache/rendition-info.js';
import { syncDir, writeFileAtomic } from '../cache/atomic-write.js';
import { buildMediaPlaylist, segmentBaseUrl } from './media-playlist.js';
import { writePieces } from '../shared/file-io.js';

interface RenditionFiles {
  /** Each segment's duration in seconds, in order (segment number n is durations[n - 1]). */
  readonly durations: readonly number[];
  readonly info: RenditionInfo;
  /** `.segments.idx` (segment-index.ts); null when segments cannot be made alone. */
  readonly index: Uint8Array | null;
  readonly publicBaseUrl: string | null;
}

// The playlist goes in last: a run directory with a playlist holds a whole rendition.
export async function writeRenditionFiles(runDir: string, files: RenditionFiles): Promise<void> {
  const base = segmentBaseUrl(files.publicBaseUrl, files.info.renditionPath);
  const playlist = buildMediaPlaylist(files.durations, { segmentBaseUrl: base });
  try {
    parseMediaPlaylist(playlist); // what players get must pass a strict parser
  } catch (error) {
    if (error instanceof PlaylistFormatError) throw new CasterpakError('BAD_PLAYLIST', error.message, { cause: error });
    throw error;
  }
  if (files.index) await writePieces(path.join(runDir, SEGMENT_INDEX), [files.index]); // one write, not 512 KiB steps
  await writeRenditionInfo(runDir, files.info);
  await writeFileAtomic(path.join(runDir, INDEX_PLAYLIST), playlist);
  await syncDir(runDir);
}
