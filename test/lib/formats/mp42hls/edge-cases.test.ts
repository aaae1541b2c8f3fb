// The quirks mp42hls shows on edge media, made from the fixtures by rewriting their sample tables
// (helpers/edge-media.ts): video outlasting audio, audio outlasting video, a trailing 0-second
// audio segment, and audio frames longer than video frames (which needs the audio lookahead to
// package a segment alone). Each is checked against the real mp42hls, segment by segment.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBox } from '../../../../src/lib/formats/mp4/boxes.js';
import { buildSegmentExtract } from '../../../../src/lib/formats/mp42hls/extract.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { ALONE_SEGMENT_DURATION, planSegments, type SegmentPlan } from '../../../../src/lib/formats/mp42hls/segment-plan.js';
import { normaliseContinuity } from '../../../../src/lib/formats/mpegts/continuity.js';
import { dropTrailingPes } from '../../../../src/lib/formats/mpegts/drop-trailing-pes.js';
import { editTracks, type TrackEdit } from '../helpers/edge-media.js';
import { media, mp42hls, mp42hlsBytes, readMoov, readSpan } from '../helpers/mp42hls-oracle.js';
import { pesCounts } from '../helpers/ts-count.js';

const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-edge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Writes the edited fixture and plans it from its moov, as casterpak would.
async function edgeFile(name: string, edits: Record<number, TrackEdit>, duration: number) {
  const source = readFileSync(media(name));
  const moovBox = findBox(source, ['moov'])!;
  const file = path.join(dir, `${name}-${JSON.stringify(edits).replace(/\W+/g, '_')}.mp4`);
  writeFileSync(file, editTracks(source, moovBox.offset, source.subarray(moovBox.offset, boxEndOf(moovBox)), edits));
  const moov = await readMoov(file);
  const movie = parseMoov(moov);
  return { file, moov, movie, plan: planSegments(movie, duration), whole: await mp42hls(file, duration) };
}
const boxEndOf = (b: { offset: number; size: number }) => b.offset + b.size;
const counts = (plan: SegmentPlan) =>
  plan.segments.map((s) => ({ video: s.video ? s.video.end - s.video.start : 0, audio: s.audio ? s.audio.end - s.audio.start : 0 }));

const CASES: [string, string, Record<number, TrackEdit>, number][] = [
  ['video outlasts audio', 'av.mp4', { 1: { keep: 200 } }, 2],
  ['video outlasts audio', 'av.mp4', { 1: { keep: 300 } }, 6],
  ['audio outlasts video', 'av.mp4', { 0: { keep: 100 } }, 2],
  ['trailing 0 s audio segment', 'audio-only.mp4', { 0: { keep: 189 } }, 2],
  ['audio frames longer than video frames', 'av.mp4', { 1: { duration: 2200 } }, 2],
  ['audio frames longer than video frames', 'av-no-bframes.mp4', { 1: { duration: 2200 } }, 2],
];

describe('edge media', () => {
  it.each(CASES)('%s (%s %j at %i s): playlist, per-segment samples and quirks as mp42hls', async (_, name, edits, duration) => {
    const { movie, plan, whole } = await edgeFile(name, edits, duration);
    expect(plan.segments.map((s) => s.extinf)).toEqual(whole.extinfs);
    expect(plan.targetDuration).toBe(whole.targetDuration);
    expect(counts(plan)).toEqual(whole.segments.map(pesCounts));
    const writtenVideo = whole.segments.reduce((n, s) => n + pesCounts(s).video, 0);
    const video = movie.tracks.find((t) => t.handler === 'vide');
    expect(plan.droppedVideoSamples).toBe(video ? video.samples.count - writtenVideo : 0);
    expect(plan.videoOutlastsAudio).toBe(plan.droppedVideoSamples > 0);
    expect(plan.trailingZeroSegment).toBe(whole.extinfs.at(-1) === '0.000000');
  });

  it.each(CASES)('%s (%s %j at %i s): every segment made alone is the whole-file segment', async (_, name, edits, duration) => {
    const { file, moov, movie, plan, whole } = await edgeFile(name, edits, duration);
    await Promise.all(
      plan.segments.map(async (s) => {
        expect(s.standalone).toBe(true);
        const extract = buildSegmentExtract(moov, movie, plan, s.index, readSpan(file, s.span.start, s.span.end));
        const alone = await mp42hlsBytes(extract, ALONE_SEGMENT_DURATION);
        expect(alone.segments.length).toBe(1);
        const trimmed = dropTrailingPes(alone.segments[0], s.audioLookahead);
        expect(
          Buffer.from(normaliseContinuity(trimmed, s.index)).equals(normaliseContinuity(whole.segments[s.index], s.index)),
          `segment ${s.index}`,
        ).toBe(true);
      }),
    );
  });

  it('the quirks do occur in these cases (so the checks above bite)', async () => {
    expect((await edgeFile('av.mp4', { 1: { keep: 200 } }, 2)).plan.videoOutlastsAudio).toBe(true);
    expect((await edgeFile('audio-only.mp4', { 0: { keep: 189 } }, 2)).plan.trailingZeroSegment).toBe(true);
    const { file, moov, movie, plan } = await edgeFile('av.mp4', { 1: { duration: 2200 } }, 2);
    const needing = plan.segments.filter((s) => s.audioLookahead > 0);
    expect(needing.length).toBeGreaterThan(0);
    // Without the lookahead mp42hls really loses video of those segments.
    for (const s of needing) {
      const bare: SegmentPlan = { ...plan, segments: plan.segments.map((x) => (x === s ? { ...x, audioLookahead: 0 } : x)) };
      const span = bare.segments[s.index].span;
      const extract = buildSegmentExtract(moov, movie, bare, s.index, readSpan(file, span.start, span.end));
      const alone = await mp42hlsBytes(extract, ALONE_SEGMENT_DURATION);
      expect(pesCounts(alone.segments[0]).video).toBeLessThan(s.video!.end - s.video!.start);
    }
  });
});
