// The cold bench's media and requests: the 2-hour films and the warm-up clip (made once from the
// 10-minute bench film by stream copy), dropping the page cache, and the timed request
// sequences (each takes the base URL of one rendition, …/<file>.mp4).
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

const REQUEST_TIMEOUT_MS = 30_000;
const TOOL_TIMEOUT_MS = 5 * 60_000; // the ffmpeg stream copies
export const FAR_SEGMENT = 700; // of the ~720 in two hours

export const LONG_FILMS = [
  { layout: 'faststart', label: '2 h, moov first', file: 'bench-2h-720p-faststart.mp4', movflags: ['-movflags', '+faststart'] },
  { layout: 'moov-end', label: '2 h, moov at end', file: 'bench-2h-720p-moov-end.mp4', movflags: [] },
];
const CLIP_FILE = 'bench-30s-clip.mp4';

function ffmpegOnce(ctx, file, args, what) {
  if (existsSync(file)) return;
  ctx.log(`cold: making ${file} (${what}; stream copy, once)…`);
  const part = `${file}.part-${process.pid}.mp4`;
  const result = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, part], {
    stdio: 'inherit',
    timeout: TOOL_TIMEOUT_MS,
  });
  if (result.status !== 0) {
    spawnSync('rm', ['-f', part]);
    throw new Error(`ffmpeg failed for ${file} (exit ${result.status}${result.signal ? `, ${result.signal}` : ''})`);
  }
  return fs.rename(part, file);
}

export async function makeMedia(ctx) {
  for (const film of LONG_FILMS) {
    film.path = path.join(ctx.workDir, film.file);
    await ffmpegOnce(ctx, film.path, ['-stream_loop', '11', '-i', ctx.mp4, '-c', 'copy', ...film.movflags], `2-hour ${film.layout}`);
    film.size = (await fs.stat(film.path)).size;
  }
  const clip = path.join(ctx.workDir, CLIP_FILE);
  await ffmpegOnce(ctx, clip, ['-i', ctx.mp4, '-t', '30', '-c', 'copy', '-movflags', '+faststart'], 'warm-up clip');
  return clip;
}

// ---- page cache -------------------------------------------------------------------------------

// As root, the whole page cache (`sync; echo 1 > /proc/sys/vm/drop_caches`: pages only, the
// dentries and inodes stay, as they would on a busy origin). Otherwise each of `files` is
// evicted on its own (`dd iflag=nocache count=0`: posix_fadvise DONTNEED over the whole file),
// which works for clean pages of files this user can read. Returns the method used, or null
// when neither worked.
export function dropPageCache(files) {
  if (process.getuid?.() === 0) {
    const result = spawnSync('sh', ['-c', 'sync; echo 1 > /proc/sys/vm/drop_caches'], { stdio: 'ignore', timeout: 120_000 });
    if (result.status === 0) return 'drop_caches';
  }
  for (const file of files) {
    const result = spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore', timeout: 60_000 });
    if (result.status !== 0) return null;
  }
  return 'fadvise';
}

// ---- what is timed ----------------------------------------------------------------------------

// The Server-Timing header of the last answer `get` received (casterpak's, on what it made).
export const lastAnswer = { serverTiming: null };

export async function get(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  lastAnswer.serverTiming = response.headers.get('server-timing');
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${body.toString('utf8', 0, 200).trim()}`);
  return body;
}

// Each resolves to the size of the last segment it fetched (undefined for a playlist alone).
export const SCENARIOS = {
  playlist: async (base) => {
    await get(`${base}/index_0_av.m3u8`);
  },
  playlistSegment: async (base) => {
    const playlistUrl = `${base}/index_0_av.m3u8`;
    const text = (await get(playlistUrl)).toString('utf8');
    const first = text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('#'));
    if (!first) throw new Error(`${playlistUrl}: no segment in the playlist`);
    return checkSegment(await get(new URL(first, playlistUrl).href), first);
  },
  segment1: async (base) => checkSegment(await get(`${base}/segment1_0_av.ts`), 'segment 1'),
  segment2: async (base) => checkSegment(await get(`${base}/segment2_0_av.ts`), 'segment 2'),
  segmentFar: async (base) => checkSegment(await get(`${base}/segment${FAR_SEGMENT}_0_av.ts`), `segment ${FAR_SEGMENT}`),
  // The fMP4 form's video segment (docs/formats.md), without its init segment.
  fmp4Segment1: async (base) => checkFragment(await get(`${base}/fmp4/segment1_0_v.m4s`), 'fMP4 segment 1'),
  fmp4SegmentFar: async (base) => checkFragment(await get(`${base}/fmp4/segment${FAR_SEGMENT}_0_v.m4s`), `fMP4 segment ${FAR_SEGMENT}`),
};

// The segment's size when it looks like a media segment of fragmented MP4: a moof (after a styp,
// a sidx, or neither) and an mdat.
function checkFragment(body, what) {
  const head = body.toString('latin1', 0, 256);
  if (!/^....(styp|moof)/s.test(head) || !head.includes('moof') || !body.includes('mdat')) {
    throw new Error(`${what}: not a fragmented MP4 segment (${body.length} bytes)`);
  }
  return body.length;
}

// The segment's size when it looks like MPEG-TS.
function checkSegment(body, what) {
  if (body.length === 0 || body.length % 188 !== 0 || body[0] !== 0x47) throw new Error(`${what}: not MPEG-TS (${body.length} bytes)`);
  return body.length;
}
