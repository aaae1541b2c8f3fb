// Oracles for derived renditions that do not trust casterpak's code: ffprobe and ffmpeg from
// their npm packages (the unit suite runs before the distribution's are installed), and a
// plain MPEG-TS reader (ISO/IEC 13818-1 §2.4.3) written here from the standard.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
export const FFPROBE: string = require('@ffprobe-installer/ffprobe').path;
export const FFMPEG: string = require('@ffmpeg-installer/ffmpeg').path;

const run = (file: string, args: string[]) => promisify(execFile)(file, args, { maxBuffer: 1 << 26, encoding: 'utf8' });

interface ProbedPacket {
  readonly kind: 'video' | 'audio';
  /** In the stream's time base (1/90000 in MPEG-TS). */
  readonly pts: number;
  readonly dts: number;
  /** Seconds. */
  readonly ptsTime: number;
  readonly key: boolean;
  readonly size: number;
}

interface ProbedVideo {
  readonly width: number;
  readonly height: number;
  readonly profile: string;
  /** Degrees, from a display matrix (side data), or null when there is none. */
  readonly rotation: number | null;
}

// The packets of a file in file order, as ffprobe's demuxer reads them.
export async function probePackets(file: string): Promise<ProbedPacket[]> {
  const { stdout } = await run(FFPROBE, [
    '-v',
    'error',
    '-show_entries',
    'stream=index,codec_type:packet=stream_index,pts,dts,pts_time,flags,size',
    '-of',
    'json',
    file,
  ]);
  const parsed = JSON.parse(stdout) as { streams: { index: number; codec_type: string }[]; packets: Record<string, string | number>[] };
  const kinds = new Map(parsed.streams.map((s) => [s.index, s.codec_type]));
  return parsed.packets
    .filter((p) => kinds.get(Number(p.stream_index)) === 'video' || kinds.get(Number(p.stream_index)) === 'audio')
    .map((p) => ({
      kind: kinds.get(Number(p.stream_index)) as 'video' | 'audio',
      pts: Number(p.pts),
      dts: Number(p.dts),
      ptsTime: Number(p.pts_time),
      key: String(p.flags).startsWith('K'),
      size: Number(p.size),
    }));
}

export async function probeVideo(file: string): Promise<ProbedVideo> {
  const { stdout } = await run(FFPROBE, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,profile:stream_side_data=rotation',
    '-of',
    'json',
    file,
  ]);
  const stream = (
    JSON.parse(stdout) as { streams: { width: number; height: number; profile: string; side_data_list?: { rotation?: number }[] }[] }
  ).streams[0];
  const rotation = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? null;
  return { width: stream.width, height: stream.height, profile: stream.profile, rotation };
}

// Whether the first coded picture of the first video access unit is an IDR (nal_unit_type 5,
// H.264 §7.4.1): ffprobe's K flag only says the demuxer saw a random access indicator.
export async function firstPictureIsIdr(file: string): Promise<boolean> {
  const { stdout } = await promisify(execFile)(
    FFMPEG,
    ['-v', 'error', '-i', file, '-map', '0:v:0', '-c', 'copy', '-bsf:v', 'h264_mp4toannexb', '-frames:v', '1', '-f', 'h264', '-'],
    { encoding: 'buffer', maxBuffer: 1 << 26 },
  );
  for (let i = 0; i + 3 < stdout.length; i++) {
    if (stdout[i] !== 0 || stdout[i + 1] !== 0 || stdout[i + 2] !== 1) continue;
    const type = stdout[i + 3] & 0x1f;
    if (type === 5) return true;
    if (type === 1) return false; // a non-IDR slice came first
  }
  return false;
}

// PSNR (dB, average over Y, U and V) of `distorted` against `reference`, both brought to the
// distorted picture's size by `referenceFilter` (e.g. a scale), frames paired in order.
export async function psnr(distorted: string, reference: string, referenceFilter: string, referenceInput: string[] = []): Promise<number> {
  const graph = `[0:v]setpts=PTS-STARTPTS[d];[1:v]${referenceFilter},setpts=PTS-STARTPTS[r];[d][r]psnr`;
  const { stderr } = await run(FFMPEG, [
    '-hide_banner',
    '-nostdin',
    '-i',
    distorted,
    ...referenceInput,
    '-i',
    reference,
    '-filter_complex',
    graph,
    '-f',
    'null',
    '-',
  ]);
  const average = /PSNR .*average:([\d.]+|inf)/.exec(stderr);
  if (!average) throw new Error(`no PSNR in ffmpeg's output: ${stderr.slice(-500)}`);
  return average[1] === 'inf' ? Infinity : Number(average[1]);
}

// ffmpeg's own complaints while demuxing and decoding a stream (continuity counters,
// timestamp discontinuities, non-monotonic DTS), at debug level.
export async function decodeComplaints(file: string): Promise<string[]> {
  const { stderr } = await run(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'debug', '-i', file, '-f', 'null', '-']);
  return stderr.split('\n').filter((line) => /continuity check failed|discontinuity|non.monoton|invalid dts|out of order/i.test(line));
}

interface TsStream {
  readonly pid: number;
  readonly streamType: number;
  /** Each PES: its PTS and DTS (90 kHz; DTS = PTS when absent) and its payload bytes. */
  readonly pes: { pts: number; dts: number; payload: Uint8Array }[];
  /** Packets whose continuity_counter did not follow the previous one's (§2.4.3.3). */
  readonly counterErrors: number;
}

const timestamp = (b: Uint8Array, at: number) =>
  (b[at] & 0x0e) * 2 ** 29 + (b[at + 1] << 22) + ((b[at + 2] & 0xfe) << 14) + (b[at + 3] << 7) + (b[at + 4] >> 1);

// The elementary streams of an MPEG-TS (PAT → PMT → PES), one TS stream or several concatenated.
function readTs(ts: Uint8Array): TsStream[] {
  const streams = new Map<
    number,
    { pid: number; streamType: number; pes: TsStream['pes']; chunks: Uint8Array[]; counterErrors: number; cc: number }
  >();
  let pmtPid = -1;
  const flush = (s: { pes: TsStream['pes']; chunks: Uint8Array[] }) => {
    if (s.chunks.length === 0) return;
    const data = Buffer.concat(s.chunks);
    s.chunks = [];
    const flags = data[7];
    const pts = flags & 0x80 ? timestamp(data, 9) : NaN;
    s.pes.push({ pts, dts: flags & 0x40 ? timestamp(data, 14) : pts, payload: data.subarray(9 + data[8]) });
  };
  for (let at = 0; at + 188 <= ts.length; at += 188) {
    const p = ts.subarray(at, at + 188);
    if (p[0] !== 0x47) throw new Error(`no sync byte at ${at}`);
    const pid = ((p[1] & 0x1f) << 8) | p[2];
    const unitStart = (p[1] & 0x40) !== 0;
    const control = (p[3] >> 4) & 3;
    const start = control & 2 ? 5 + p[4] : 4;
    if (!(control & 1)) continue;
    const payload = p.subarray(start);
    const section = payload.subarray(1 + payload[0]); // after the pointer_field (§2.4.4.2)
    if (pid === 0 && unitStart) pmtPid = ((section[10] & 0x1f) << 8) | section[11];
    else if (pid === pmtPid && unitStart) {
      const end = 3 + (((section[1] & 0x0f) << 8) | section[2]) - 4;
      for (let e = 12 + (((section[10] & 0x0f) << 8) | section[11]); e < end; e += 5 + (((section[e + 3] & 0x0f) << 8) | section[e + 4])) {
        const esPid = ((section[e + 1] & 0x1f) << 8) | section[e + 2];
        if (!streams.has(esPid)) streams.set(esPid, { pid: esPid, streamType: section[e], pes: [], chunks: [], counterErrors: 0, cc: -1 });
      }
    } else {
      const s = streams.get(pid);
      if (!s) continue;
      const cc = p[3] & 0x0f;
      if (s.cc >= 0 && cc !== ((s.cc + 1) & 0x0f)) s.counterErrors++;
      s.cc = cc;
      if (unitStart) flush(s);
      s.chunks.push(payload);
    }
  }
  return [...streams.values()].map((s) => (flush(s), { pid: s.pid, streamType: s.streamType, pes: s.pes, counterErrors: s.counterErrors }));
}

// The video (H.264, stream_type 0x1b) and audio (AAC ADTS, 0x0f) streams of a TS.
export function tsAv(ts: Uint8Array): { video: TsStream; audio: TsStream } {
  const streams = readTs(ts);
  const video = streams.find((s) => s.streamType === 0x1b);
  const audio = streams.find((s) => s.streamType === 0x0f);
  if (!video || !audio) throw new Error(`not H.264 + AAC: stream types ${streams.map((s) => s.streamType).join(', ')}`);
  return { video, audio };
}
