// A fragmented MP4's length from its moofs, against ffprobe's stream durations of the same file
// (three flavours: ffmpeg with an empty moov, with the first fragment in the moov,
// and Bento4's mp4fragment).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { box, fullBox, uint32 } from '../../../../src/lib/formats/mp4/box-writer.js';
import { fragmentedDurationMs } from '../../../../src/lib/formats/mp4/fragments.js';
import { parseMoov } from '../../../../src/lib/formats/mp4/moov.js';
import { walkTopLevelBoxes, type BoxSpan } from '../../../../src/lib/formats/mp4/top-level.js';
import { REAL_BIN_DIR } from '../../../helpers/bento4.js';

const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-frag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ff = (args: string) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args.split(' ')], { cwd: dir });

// The longest stream as ffprobe reads the fragmented file (its own fragment parser).
function longestStreamMs(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Math.max(
    ...out
      .trim()
      .split(/\s+/)
      .map((d) => Number(d) * 1000),
  );
}

async function fromFragments(file: string): Promise<number> {
  const bytes = new Uint8Array(readFileSync(file));
  const moofs: BoxSpan[] = [];
  const mdats: BoxSpan[] = [];
  const { moov } = await walkTopLevelBoxes(
    bytes.length,
    (o, n) => bytes.subarray(o, o + n),
    (type, span) => (type === 'moof' ? moofs : type === 'mdat' ? mdats : []).push(span),
  );
  const moovBytes = bytes.subarray(moov!.offset, moov!.offset + moov!.size);
  expect(moofs.length).toBeGreaterThan(1);
  return fragmentedDurationMs(
    moovBytes,
    parseMoov(moovBytes),
    moofs.map((m) => ({ bytes: bytes.subarray(m.offset, m.offset + m.size), offset: m.offset })),
    mdats,
  );
}

describe('the length of a fragmented MP4', () => {
  ff(
    '-f lavfi -i testsrc2=size=160x90:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 3.3 -c:v libx264 -g 25 -c:a aac flat.mp4',
  );

  it.each([
    ['frag_keyframe+empty_moov', 'empty.mp4'],
    ['frag_keyframe', 'first-in-moov.mp4'],
  ])('ffmpeg -movflags %s', async (flags, name) => {
    ff(`-i flat.mp4 -c copy -movflags ${flags} ${name}`);
    expect(Math.abs((await fromFragments(path.join(dir, name))) - longestStreamMs(path.join(dir, name)))).toBeLessThanOrEqual(1);
  });

  it('Bento4 mp4fragment', async () => {
    execFileSync(path.join(REAL_BIN_DIR, 'mp4fragment'), ['--fragment-duration', '1000', 'flat.mp4', 'bento.mp4'], { cwd: dir });
    expect(Math.abs((await fromFragments(path.join(dir, 'bento.mp4'))) - longestStreamMs(path.join(dir, 'bento.mp4')))).toBeLessThanOrEqual(
      1,
    );
  });

  // ffmpeg's global_sidx on a stream copy inserts its sidx boxes before the moofs but keeps their
  // absolute base_data_offset: every sample offset points 2 × 64 bytes short.
  it('refuses moofs whose sample data lies outside every mdat', async () => {
    ff('-i flat.mp4 -c copy -movflags frag_keyframe+empty_moov+global_sidx sidx.mp4');
    const file = path.join(dir, 'sidx.mp4');
    const errors = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' }).stderr;
    expect(errors).toMatch(/Invalid NAL unit size|Error splitting/);
    await expect(fromFragments(file)).rejects.toThrow(/outside every mdat/);
  });

  it('refuses a trun claiming more samples than its box holds, without counting them', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(dir, 'flat.mp4')));
    const { moov } = await walkTopLevelBoxes(bytes.length, (o, n) => bytes.subarray(o, o + n));
    const moovBytes = bytes.subarray(moov!.offset, moov!.offset + moov!.size);
    const trun = fullBox('trun', 0, 0x200, [uint32(0xffffffff)]); // sizes only: nothing read per sample
    const moof = box('moof', [box('traf', [fullBox('tfhd', 0, 0x20000, [uint32(1)]), trun])]);
    expect(() => fragmentedDurationMs(moovBytes, parseMoov(moovBytes), [{ bytes: moof, offset: 0 }], [])).toThrow(/overruns its box/);
  });
});
