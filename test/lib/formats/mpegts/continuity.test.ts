// normaliseContinuity on real mp42hls segments: counters 0..15 per elementary PID, PAT/PMT on
// the segment index, PES bytes and adaptation-field flags untouched, input counters ignored;
// and ffmpeg, which reports every broken counter, finds none across normalised segments made
// one by one while it does across the same segments left raw.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildSegmentExtract } from '../../../../src/lib/formats/mp42hls/extract.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { ALONE_SEGMENT_DURATION, planSegments } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { normaliseContinuity } from '../../../../src/lib/formats/mpegts/continuity.js';
import { TsFormatError } from '../../../../src/lib/formats/mpegts/errors.js';
import { readPacket } from '../../../../src/lib/formats/mpegts/packet.js';
import { PsiTracker } from '../../../../src/lib/formats/mpegts/psi.js';
import { PLAYABLE, media, mp42hlsBytes, readMoov, readSpan, wholeFile } from '../helpers/mp42hls-oracle.js';

const hasFfmpeg = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// PAT and PMT PIDs, read from the segment's own PAT rather than assumed.
function psiPids(ts: Uint8Array): Set<number> {
  const tables = new PsiTracker();
  for (let at = 0; at < ts.length; at += 188) tables.push(readPacket(ts.subarray(at, at + 188)), at);
  return new Set([0, ...tables.pmtPids]);
}

interface PidView {
  ccs: number[];
  chunks: Uint8Array[];
  payload: Buffer;
  afFlags: string[];
}

// Per PID, the counters of payload packets, the concatenated payload and the AF contents.
function byPid(ts: Uint8Array): Map<number, PidView> {
  const pids = new Map<number, PidView>();
  for (let at = 0; at < ts.length; at += 188) {
    const info = readPacket(ts.subarray(at, at + 188));
    const view = pids.get(info.pid) ?? { ccs: [], chunks: [], payload: Buffer.alloc(0), afFlags: [] };
    if (info.hasPayload) view.ccs.push(ts[at + 3] & 15);
    view.chunks.push(info.payload);
    if (info.afContent.length) view.afFlags.push(Buffer.from(info.afContent).toString('hex'));
    pids.set(info.pid, view);
  }
  for (const view of pids.values()) view.payload = Buffer.concat(view.chunks);
  return pids;
}

describe('normaliseContinuity', () => {
  it.each(PLAYABLE)('%s: counters cycle 0..15 per PID, PSI on the index, PES bytes and flags kept', async (name) => {
    for (const duration of [2, 6]) {
      const whole = await wholeFile(name, duration);
      whole.segments.forEach((segment, index) => {
        const out = normaliseContinuity(segment, index);
        expect(out.length % 188).toBe(0);
        const before = byPid(segment);
        const after = byPid(out);
        const psi = psiPids(segment);
        expect(psi.size).toBeGreaterThan(1);
        expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
        for (const [pid, view] of after) {
          const old = before.get(pid)!;
          expect(view.payload.equals(old.payload), `PID ${pid} payload`).toBe(true);
          expect(view.afFlags, `PID ${pid} adaptation fields`).toEqual(old.afFlags);
          if (psi.has(pid)) {
            expect(view.ccs.every((cc) => cc === index % 16)).toBe(true);
          } else {
            expect(view.ccs.length % 16).toBe(0);
            expect(view.ccs).toEqual(view.ccs.map((_, k) => k % 16));
            expect(view.ccs.length - old.ccs.length).toBeLessThan(16);
          }
        }
      });
    }
  });

  it('ignores the counters it is given and is idempotent', async () => {
    const { segments } = await wholeFile('av.mp4', 2);
    segments.forEach((segment, index) => {
      const scrambled = Uint8Array.from(segment);
      for (let at = 3; at < scrambled.length; at += 188) scrambled[at] = (scrambled[at] & 0xf0) | ((at * 7) & 15);
      const out = normaliseContinuity(segment, index);
      expect(Buffer.from(normaliseContinuity(scrambled, index)).equals(out)).toBe(true);
      expect(Buffer.from(normaliseContinuity(out, index)).equals(out)).toBe(true);
    });
  });

  it('rewrites a segment given up in place when its buffer has room: the bytes of a copy, no new buffer', async () => {
    const { segments } = await wholeFile('av.mp4', 2);
    let grown = 0;
    segments.forEach((segment, index) => {
      const copy = normaliseContinuity(segment, index);
      const room = new Uint8Array(segment.length + 64 * 188);
      room.set(segment);
      const inPlace = normaliseContinuity(room.subarray(0, segment.length), index, true);
      expect(inPlace.buffer).toBe(room.buffer);
      expect(Buffer.from(inPlace).equals(copy)).toBe(true);
      if (copy.length > segment.length) grown++;
      // Without room after it (or not given up), a new array, the input untouched.
      const exact = Uint8Array.from(segment);
      const out = normaliseContinuity(exact, index, true);
      expect(Buffer.from(out).equals(copy)).toBe(true);
      expect(out.length === exact.length || out.buffer !== exact.buffer).toBe(true);
    });
    expect(grown).toBeGreaterThan(0); // packets were added, so stretches moved
  });

  it('refuses what is not whole, synchronised packets', () => {
    expect(() => normaliseContinuity(new Uint8Array(187), 0)).toThrow(TsFormatError);
    expect(() => normaliseContinuity(new Uint8Array(188), 0)).toThrow(TsFormatError);
  });

  it.skipIf(!hasFfmpeg)('ffmpeg finds no continuity failure across normalised av.mp4 segments made alone', async () => {
    const moov = await readMoov(media('av.mp4'));
    const movie = parseMoov(moov);
    const plan = planSegments(movie, 2);
    const alone = await Promise.all(
      plan.segments.map(async (s) => {
        const extract = buildSegmentExtract(moov, movie, plan, s.index, readSpan(media('av.mp4'), s.span.start, s.span.end));
        return (await mp42hlsBytes(extract, ALONE_SEGMENT_DURATION)).segments[0];
      }),
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-cc-'));
    try {
      const probe = async (parts: Uint8Array[]) => {
        writeFileSync(`${dir}/concat.ts`, Buffer.concat(parts));
        const { stderr } = await promisify(execFile)('ffmpeg', ['-v', 'debug', '-i', `${dir}/concat.ts`, '-f', 'null', '-'], {
          maxBuffer: 1 << 26,
        });
        return {
          failures: stderr.split('Continuity check failed').length - 1,
          frames: Number(/frame=\s*(\d+)/.exec(stderr.split('\n').reverse().join('\n'))?.[1]),
        };
      };
      const raw = await probe(alone);
      const normalised = await probe(alone.map((s, i) => normaliseContinuity(s, i)));
      expect(raw.failures).toBeGreaterThan(0);
      expect(normalised.failures).toBe(0);
      expect(normalised.frames).toBe(plan.videoTrack!.samples.count);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(!hasFfmpeg)('ffmpeg check skipped: ffmpeg is not installed (apt-get install -y ffmpeg)', () => {
    expect(hasFfmpeg).toBe(false);
  });
});
