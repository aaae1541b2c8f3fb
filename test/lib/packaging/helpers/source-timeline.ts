// An oracle that does not use casterpak's timeline: ffprobe's presentation times of the source
// (its mov demuxer applies edit lists, ISO/IEC 14496-12 §8.6.6) against those of the segments
// joined: the same packet count per kind, each moved by one offset common to video and audio, to
// 0.2 ms (a 90-kHz tick and half a tick of the source's timescale; a frame is 20 ms or more).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { FFPROBE, probePackets } from '../../renditions/helpers/media-probe.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const run = promisify(execFile);

export async function expectSourceTimeline(source: string, segments: readonly Buffer[]): Promise<void> {
  const joined = path.join(tempDir('casterpak-joined-'), 'joined.ts');
  writeFileSync(joined, Buffer.concat(segments));
  const [theirs, ours] = await Promise.all([probePackets(source), probePackets(joined)]);
  const firstKind = theirs.some((p) => p.kind === 'video') ? 'video' : 'audio';
  const offset = ours.find((p) => p.kind === firstKind)!.ptsTime - theirs.find((p) => p.kind === firstKind)!.ptsTime;
  for (const kind of ['video', 'audio'] as const) {
    const a = theirs.filter((p) => p.kind === kind);
    const b = ours.filter((p) => p.kind === kind);
    expect(b.length, `${kind} packets`).toBe(a.length);
    b.forEach((p, i) => expect(Math.abs(p.ptsTime - a[i].ptsTime - offset), `${kind} packet ${i}`).toBeLessThan(0.0002));
  }
}

interface StreamPacket {
  /** In the stream's time base (the MP4 track's mdhd timescale, kept by the fMP4 form). */
  readonly pts: number;
  readonly dts: number;
  readonly timeBase: number;
  /** Size, key flag and the bytes' MD5. */
  readonly body: string;
}

// ffprobe's packets of one stream of a file, with the MD5 of each packet's bytes.
async function streamPackets(file: string, stream: number): Promise<StreamPacket[]> {
  const { stdout } = await run(
    FFPROBE,
    [
      '-v',
      'error',
      '-select_streams',
      String(stream),
      '-show_data_hash',
      'MD5',
      '-show_entries',
      'stream=time_base:packet=pts,dts,size,flags,data_hash',
      '-of',
      'json',
      file,
    ],
    { maxBuffer: 1 << 26 },
  );
  const parsed = JSON.parse(stdout) as {
    streams: { time_base: string }[];
    packets: { pts: number; dts: number; size: string; flags: string; data_hash: string }[];
  };
  const [num, den] = parsed.streams[0].time_base.split('/').map(Number);
  return parsed.packets.map((p) => ({
    pts: p.pts,
    dts: p.dts,
    timeBase: num / den,
    body: `${p.size},${p.flags.slice(0, 1)},${p.data_hash}`,
  }));
}

// One fMP4 rendition (one track, init and segments in one file) of source stream `stream`;
// `dropped`: the video frames after the audio's end that the MPEG-TS cut leaves out too.
interface Fmp4Track {
  readonly file: string;
  readonly stream: number;
  readonly dropped?: number;
}

// The same oracle for the fMP4 form (docs/formats.md): each rendition's packets are the source
// stream's, bytes, sizes and key flags exact, in the same count; its decode and presentation times
// are the source's moved by one whole number of ticks; and that offset is one common to every
// track of the film, in seconds, to half a tick of each track's timescale. Returns it, in seconds.
export async function expectFmp4SourceTimeline(source: string, tracks: readonly Fmp4Track[]): Promise<number> {
  const offsets: { seconds: number; tick: number }[] = [];
  for (const track of tracks) {
    const [theirs, ours] = await Promise.all([streamPackets(source, track.stream), streamPackets(track.file, 0)]);
    const label = `stream ${track.stream}`;
    expect(ours.length, `${label} packets`).toBe(theirs.length - (track.dropped ?? 0));
    expect(
      ours.map((p) => p.body),
      label,
    ).toEqual(theirs.slice(0, ours.length).map((p) => p.body));
    const ticks = ours[0].pts - theirs[0].pts;
    expect(
      ours.flatMap((p, i) => [p.pts - theirs[i].pts, p.dts - theirs[i].dts]),
      `${label} times`,
    ).toEqual(ours.flatMap(() => [ticks, ticks]));
    offsets.push({ seconds: ticks * ours[0].timeBase, tick: ours[0].timeBase });
  }
  for (const o of offsets)
    expect(Math.abs(o.seconds - offsets[0].seconds), 'offset common to the film').toBeLessThanOrEqual(
      (o.tick + offsets[0].tick) / 2 + 1e-9,
    );
  return offsets[0].seconds;
}
