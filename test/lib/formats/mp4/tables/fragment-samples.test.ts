// A fragmented MP4's samples gathered from its moov and moofs, against ffprobe's packets of the
// same file (its own fragment parser): per track the same count, sizes and key flags, the MD5 of
// the bytes at each offset ffprobe's packet hash, and decode and presentation times ffprobe's
// moved by one constant (its edit list). Files by ffmpeg (empty moov; first fragment and edit
// lists in the moov; one moof per track; moof-relative bases) and Bento4's mp4fragment.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withFragmentSamples } from '../../../../../src/lib/formats/mp4/tables/fragment-samples.js';
import { parseMoov } from '../../../../../src/lib/formats/mp4/moov.js';
import { walkTopLevelBoxes, type BoxSpan } from '../../../../../src/lib/formats/mp4/top-level.js';
import { REAL_BIN_DIR } from '../../../../helpers/bento4.js';

const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-frag-samples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SOURCES = '-f lavfi -i testsrc2=size=96x64:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 3';
const CODECS = '-c:v libx264 -preset veryfast -bf 2 -g 25 -pix_fmt yuv420p -c:a aac -b:a 32k -ac 1';
const FLAVOURS: Record<string, string> = {
  'empty-moov.mp4': '-movflags frag_keyframe+empty_moov',
  'delay-moov.mp4': '-movflags frag_keyframe+delay_moov',
  'separate-moof.mp4': '-movflags frag_keyframe+empty_moov+separate_moof',
  'base-moof.mp4': '-movflags frag_keyframe+empty_moov+default_base_moof',
};
for (const [name, flags] of Object.entries(FLAVOURS))
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...`${SOURCES} ${CODECS} ${flags} ${name}`.split(' ')], { cwd: dir });
const progressive = path.join(dir, 'progressive.mp4');
execFileSync('ffmpeg', ['-v', 'error', '-y', ...`${SOURCES} ${CODECS} ${progressive}`.split(' ')]);
const bento = spawnSync(path.join(REAL_BIN_DIR, 'mp4fragment'), [progressive, path.join(dir, 'mp4fragment.mp4')]);
const NAMES = [...Object.keys(FLAVOURS), ...(bento.status === 0 ? ['mp4fragment.mp4'] : [])];

interface Packet {
  readonly pts: number;
  readonly dts: number;
  readonly size: number;
  readonly key: boolean;
  readonly hash: string;
}

function packets(file: string, stream: number): Packet[] {
  const args = ['-v', 'error', '-select_streams', String(stream), '-show_data_hash', 'MD5'];
  const out = execFileSync('ffprobe', [...args, '-show_entries', 'packet=pts,dts,size,flags,data_hash', '-of', 'json', file], {
    maxBuffer: 1 << 26,
  });
  const parsed = JSON.parse(out.toString()) as { packets: { pts: number; dts: number; size: string; flags: string; data_hash: string }[] };
  return parsed.packets.map((p) => ({ pts: p.pts, dts: p.dts, size: Number(p.size), key: p.flags.startsWith('K'), hash: p.data_hash }));
}

describe('withFragmentSamples', () => {
  it.each(NAMES)('%s: every sample ffprobe reads, its bytes, key flag and times', async (name) => {
    const file = path.join(dir, name);
    const bytes = new Uint8Array(readFileSync(file));
    const moofs: BoxSpan[] = [];
    const { moov } = await walkTopLevelBoxes(
      bytes.length,
      (o, n) => bytes.subarray(o, o + n),
      (type, span) => type === 'moof' && moofs.push(span),
    );
    const moovBytes = bytes.subarray(moov!.offset, moov!.offset + moov!.size);
    const parsed = parseMoov(moovBytes);
    expect(parsed.fragmented).toBe(true);
    const movie = withFragmentSamples(
      moovBytes,
      parsed,
      moofs.map((m) => ({ bytes: bytes.subarray(m.offset, m.offset + m.size), offset: m.offset })),
    );
    expect(movie.fragmented).toBe(false);
    movie.tracks.forEach((track, stream) => {
      const theirs = packets(file, stream);
      const s = track.samples;
      expect(s.count, `track ${track.id}`).toBe(theirs.length);
      const mine = theirs.map((_, i) => {
        const at = s.offsets[i];
        return {
          size: s.sizes[i],
          key: s.sync[i] === 1,
          hash: `MD5:${createHash('md5')
            .update(bytes.subarray(at, at + s.sizes[i]))
            .digest('hex')}`,
          pts: s.decodeTimes[i] + s.compositionOffsets[i] - theirs[i].pts,
          dts: s.decodeTimes[i] - theirs[i].dts,
        };
      });
      const shift = mine[0].dts;
      expect(mine).toEqual(theirs.map((p) => ({ size: p.size, key: p.key, hash: p.hash, pts: shift, dts: shift })));
    });
  });
});
