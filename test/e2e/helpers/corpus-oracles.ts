// Oracles for test/e2e/corpus.test.ts that do not use casterpak's code: ffprobe's and ffmpeg's
// reading of a source and of the MPEG-TS made from it, and RFC 8216 §4.3.4.2's peak bit rate by
// brute force over real segment sizes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LIMIT = { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 };

export interface StreamReading {
  /** Seconds of the first presented frame (ffprobe stream start_time). */
  readonly start: number;
  /** Packets ffprobe reads (one per frame for video, per AAC/AC-3 frame for audio). */
  readonly packets: number;
}

export interface Reading {
  readonly video?: StreamReading;
  readonly audio?: StreamReading;
}

interface ProbeStream {
  codec_type?: string;
  start_time?: string;
  nb_read_packets?: string;
}

// The first video and the first audio stream, as mp42hls takes the first track of each.
export async function probe(file: string): Promise<Reading> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,start_time,nb_read_packets', '-of', 'json', file],
    LIMIT,
  );
  const streams = (JSON.parse(stdout) as { streams?: ProbeStream[] }).streams ?? [];
  const first = (type: string): StreamReading | undefined => {
    const s = streams.find((x) => x.codec_type === type);
    return s && { start: Number(s.start_time ?? 0), packets: Number(s.nb_read_packets ?? 0) };
  };
  return { video: first('video'), audio: first('audio') };
}

// Every line `ffmpeg -v error` prints while decoding the whole stream is a decode error.
export async function decodeErrors(file: string): Promise<string[]> {
  const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], LIMIT);
  return stderr.split('\n').filter((line) => line.trim() !== '');
}

// How much later video starts than audio in `packaged` than in `source`, in ms (0 when a
// stream is missing on either side).
export function avOffsetMs(source: Reading, packaged: Reading): number {
  if (!source.video || !source.audio || !packaged.video || !packaged.audio) return 0;
  const before = source.video.start - source.audio.start;
  const after = packaged.video.start - packaged.audio.start;
  return Math.round(Math.abs(after - before) * 1000);
}

// The largest bit rate over every run of contiguous segments lasting 0.5–1.5 × the target
// duration; none such (a playlist shorter than half of it): the whole playlist's.
export function windowPeak(sizes: readonly number[], seconds: readonly number[], target: number): number {
  const total = (xs: readonly number[], i: number, j: number): number => xs.slice(i, j + 1).reduce((a, b) => a + b, 0);
  let peak = -1;
  for (let i = 0; i < sizes.length; i++)
    for (let j = i; j < sizes.length; j++) {
      const s = total(seconds, i, j);
      if (s > 0 && s >= 0.5 * target && s <= 1.5 * target) peak = Math.max(peak, (8 * total(sizes, i, j)) / s);
    }
  const s = total(seconds, 0, seconds.length - 1);
  return peak >= 0 ? peak : s > 0 ? (8 * total(sizes, 0, sizes.length - 1)) / s : 0;
}

// A fixed-seed shuffle (mulberry32), so a failing order can be replayed from its seed.
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
