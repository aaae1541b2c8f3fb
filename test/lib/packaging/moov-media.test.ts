import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBox } from '../../../src/lib/formats/mp4/boxes.js';
import { parseMoov } from '../../../src/lib/formats/mp4/moov.js';
import { mediaInfoOf } from '../../../src/lib/packaging/moov-media.js';
import { parseMp4Info } from '../../../src/lib/packaging/mp4info.js';
import { REAL_BIN_DIR, media } from '../../helpers/bento4.js';

const FIXTURES = [
  'av.mp4',
  'av-2997.mp4',
  'av-no-bframes.mp4',
  'moov-at-end.mp4',
  'video-only.mp4',
  'audio-only.mp4',
  'hevc.mp4',
  'opus.mp4',
  'vp9.mp4',
];

function moovOf(file: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(file));
  const box = findBox(bytes, ['moov'])!;
  return bytes.subarray(box.offset, box.offset + box.size);
}

describe('mediaInfoOf: the moov says what mp4info says', () => {
  it.each(FIXTURES)('%s: codecs, coding names, picture size, frame rate, durations', (name) => {
    const oracle = parseMp4Info(execFileSync(path.join(REAL_BIN_DIR, 'mp4info'), ['--format', 'json', media(name)], { encoding: 'utf8' }));
    const ours = mediaInfoOf(parseMoov(moovOf(media(name))));
    expect(ours.durationMs).toBe(oracle.durationMs);
    expect(ours.fragmented).toBe(oracle.fragmented);
    const pick = (t: (typeof oracle.tracks)[number]) => ({
      id: t.id,
      type: t.type,
      codec: t.codec,
      codingName: t.codingName,
      width: t.width,
      height: t.height,
      frameRate: t.frameRate,
    });
    expect(ours.tracks.map(pick)).toEqual(oracle.tracks.map(pick));
    // Its bit rates: the samples' bytes over the track's duration, summed only when read (mp4info's have decimals).
    expect(ours.tracks.map((t) => t.bitrateKbps)).toEqual(oracle.tracks.map((t) => Math.round(t.bitrateKbps)));
  });
});
