// An oracle that does not use casterpak's timeline: ffprobe's presentation times of the source
// (its mov demuxer applies edit lists, ISO/IEC 14496-12 §8.6.6) against those of the segments
// joined: the same packet count per kind, each moved by one offset common to video and audio, to
// 0.2 ms (a 90-kHz tick and half a tick of the source's timescale; a frame is 20 ms or more).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { probePackets } from '../../renditions/helpers/media-probe.js';
import { tempDir } from '../../../helpers/temp-dir.js';

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
