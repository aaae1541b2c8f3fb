import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanKeyFrames } from '../../../../src/lib/formats/mpegts/keyframes.js';
import { REPO_DIR } from '../../../helpers/bento4.js';
import { runMp42hlsWithIFrames } from '../../../helpers/bento4-iframes.js';
import {
  AUDIO_PID,
  concat,
  h264Au,
  hevcAu,
  nal,
  packet,
  pat,
  pes,
  pmt,
  pmtSection,
  PMT_PID,
  VIDEO_PID,
} from '../../../helpers/ts-builder.js';
import { expectTrickPlayError } from '../../../helpers/trick-play-error.js';

const FIXTURES = path.join(REPO_DIR, 'test/fixtures');
const ranges = (bytes: Uint8Array, name = 'seg.ts') => scanKeyFrames(bytes, name).keyFrames.map((k) => [k.offset, k.size]);

describe('scanKeyFrames: oracle 1, Bento4 mp42hls records the same ranges byte for byte', () => {
  for (const fixture of ['av.mp4', 'av-no-bframes.mp4', 'av-2997.mp4', 'video-only.mp4', 'hevc.mp4']) {
    it(fixture, () => {
      const bento4 = runMp42hlsWithIFrames(fixture);
      expect(bento4.iframes.length).toBeGreaterThan(1);
      const segments = [...new Set(bento4.iframes.map((f) => f.uri))];
      const found = segments.flatMap((uri) => {
        const scan = scanKeyFrames(readFileSync(path.join(bento4.dir, uri)), uri);
        expect(scan.psiEnd).toBe(376);
        expect(scan.keyFrames.every((k) => k.paramSets)).toBe(true);
        return scan.keyFrames.map((k) => ({ uri, offset: k.offset, length: k.size }));
      });
      expect(found).toEqual(bento4.iframes.map(({ uri, offset, length }) => ({ uri, offset, length })));
    });
  }

  it('reads the codec and picture size from the SPS as mp4info reports them', () => {
    const h264 = runMp42hlsWithIFrames('av.mp4');
    const hevc = runMp42hlsWithIFrames('hevc.mp4');
    const first = (dir: string) => scanKeyFrames(readFileSync(path.join(dir, 'raw-0.ts')), 'raw-0.ts');
    expect(first(h264.dir)).toMatchObject({ codec: 'h264', streamType: 0x1b, format: { codecs: 'avc1.64000c', width: 320, height: 180 } });
    expect(first(hevc.dir)).toMatchObject({
      codec: 'hevc',
      streamType: 0x24,
      format: { codecs: 'hvc1.1.6.L60.90', width: 320, height: 180 },
    });
  });
});

describe('scanKeyFrames: oracle 2, ffprobe key-frame positions of other packagers (make-kfonly-fixtures.sh)', () => {
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'kfonly/expected.json'), 'utf8')) as Record<
    string,
    Array<{ pos: number; pts: number }>
  >;
  it('covers the ffmpeg hls fixtures', () => {
    expect(Object.keys(expected).sort()).toEqual(
      ['published/show', 'kfonly/hevc', 'kfonly/split', 'kfonly/cut']
        .flatMap((dir) =>
          readdirSync(path.join(FIXTURES, dir))
            .filter((n) => n.endsWith('.ts'))
            .map((n) => `${dir}/${n}`),
        )
        .sort(),
    );
  });
  for (const [file, frames] of Object.entries(expected)) {
    it(file, () => {
      const scan = scanKeyFrames(readFileSync(path.join(FIXTURES, file)), file);
      expect(scan.keyFrames.map((k) => k.offset)).toEqual(frames.map((f) => f.pos));
      scan.keyFrames.forEach((k, i) => expect(k.ptsSeconds).toBeCloseTo(frames[i]!.pts, 5));
      expect(scan.keyFrames.every((k) => k.size > 0 && k.size % 188 === 0)).toBe(true);
      if (file.startsWith('kfonly/cut/')) {
        // Cut mid-stream: video first, then PAT and PMT (two packets), after the first key frame.
        expect(scan.psiStart).toBeGreaterThanOrEqual(scan.keyFrames[0]!.offset + scan.keyFrames[0]!.size);
        expect(scan.psiEnd! - scan.psiStart!).toBe(376);
      } else {
        expect([scan.psiStart, scan.psiEnd]).toEqual([0, 564]); // ffmpeg writes SDT, PAT, PMT
      }
    });
  }
});

describe('scanKeyFrames on synthetic streams (docs/trick-play.md)', () => {
  it('ranges run from the key PES to the last video packet of its access unit, audio inside included', () => {
    const idr = pes(VIDEO_PID, h264Au(true, 400), { pts: 9000 }); // 3 packets
    const bytes = concat(
      pat(),
      pmt(),
      idr.subarray(0, 376),
      pes(AUDIO_PID, new Uint8Array(50), { pts: 9000, streamId: 0xc0 }),
      idr.subarray(376),
      pes(AUDIO_PID, new Uint8Array(50), { pts: 9100, streamId: 0xc0 }),
      pes(VIDEO_PID, h264Au(false, 100), { pts: 12600 }),
    );
    const scan = scanKeyFrames(bytes, 'a.ts');
    expect(scan.keyFrames).toEqual([{ offset: 376, size: 4 * 188, pts: 9000, ptsSeconds: 0.1, paramSets: true }]);
    expect(scan).toMatchObject({ psiEnd: 376, videoPid: VIDEO_PID, accessUnits: 2, firstPts: 9000, endPts: 12600 + 3600 });
  });

  it('does not rely on the random_access_indicator (none set here) and ignores non-IDR slices', () => {
    const bytes = concat(
      pat(),
      pmt(),
      pes(VIDEO_PID, h264Au(false), { pts: 0 }),
      pes(VIDEO_PID, h264Au(true), { pts: 3600 }),
      pes(VIDEO_PID, h264Au(false), { pts: 7200 }),
    );
    expect(ranges(bytes)).toEqual([[376 + 3 * 188, 3 * 188]]);
  });

  it('a PES without PTS continues the access unit (a large IDR split into two PES)', () => {
    const au = h264Au(true, 600);
    const bytes = concat(
      pat(),
      pmt(),
      pes(VIDEO_PID, au.subarray(0, 300), { pts: 0 }),
      pes(VIDEO_PID, au.subarray(300)),
      pes(VIDEO_PID, h264Au(false), { pts: 3600 }),
    );
    const firstPes = pes(VIDEO_PID, au.subarray(0, 300), { pts: 0 }).length;
    const secondPes = pes(VIDEO_PID, au.subarray(300)).length;
    expect(ranges(bytes)).toEqual([[376, firstPes + secondPes]]);
  });

  it('a PES without PTS that opens with an access unit delimiter starts an untimed access unit', () => {
    const bytes = concat(pat(), pmt(), pes(VIDEO_PID, h264Au(false), { pts: 0 }), pes(VIDEO_PID, h264Au(true)));
    const scan = scanKeyFrames(bytes, 'b.ts');
    expect(scan.keyFrames).toEqual([]);
    expect(scan.untimedKeyFrames).toBe(1);
    expect(scan.accessUnits).toBe(2);
  });

  it('finds a start code split across TS packets and a PES header split across packets', () => {
    // The SEI fills the first packet so that the slice's start code straddles the boundary.
    const headerBytes = 14;
    const au = concat(nal(9, 1), nal(7, 10), nal(8, 4));
    const filler = 184 - headerBytes - au.length - 6 - 2; // leaves "00 00" of the next start code at the end
    const es = concat(au, nal(6, filler), nal(5, 300));
    const split = concat(pat(), pmt(), pes(VIDEO_PID, es, { pts: 0 }), pes(VIDEO_PID, h264Au(false), { pts: 3600 }));
    expect(scanKeyFrames(split, 'c.ts').keyFrames).toHaveLength(1);
    const shortFirst = concat(
      pat(),
      pmt(),
      pes(VIDEO_PID, h264Au(true), { pts: 0, firstPayloadMax: 5 }),
      pes(VIDEO_PID, h264Au(false), { pts: 3600 }),
    );
    const scan = scanKeyFrames(shortFirst, 'd.ts');
    expect(scan.keyFrames).toHaveLength(1);
    expect(scan.keyFrames[0]).toMatchObject({ offset: 376, pts: 0, paramSets: true });
  });

  it('HEVC: IRAP types 16–23 are key frames, others are not; VPS/SPS/PPS are required for paramSets', () => {
    const hevcPmt = pmt([{ type: 0x24, pid: VIDEO_PID }]);
    const bytes = concat(
      pat(),
      hevcPmt,
      pes(VIDEO_PID, hevcAu(21, true), { pts: 0 }),
      pes(VIDEO_PID, hevcAu(1, false), { pts: 3600 }),
      pes(VIDEO_PID, hevcAu(19, false), { pts: 7200 }),
      pes(VIDEO_PID, hevcAu(0, false), { pts: 10800 }),
    );
    const scan = scanKeyFrames(bytes, 'h.ts');
    expect(scan.codec).toBe('hevc');
    expect(scan.keyFrames.map((k) => [k.pts, k.paramSets])).toEqual([
      [0, true],
      [7200, false],
    ]);
  });

  it('marks H.264 key frames without in-band SPS/PPS', () => {
    const bytes = concat(pat(), pmt(), pes(VIDEO_PID, h264Au(true, 400, false), { pts: 0 }));
    expect(scanKeyFrames(bytes, 'e.ts').keyFrames[0]!.paramSets).toBe(false);
  });

  it('unwraps the 33-bit PTS', () => {
    const near = 2 ** 33 - 3600;
    const bytes = concat(pat(), pmt(), pes(VIDEO_PID, h264Au(true), { pts: near }), pes(VIDEO_PID, h264Au(true), { pts: 3600 }));
    expect(scanKeyFrames(bytes, 'w.ts').keyFrames.map((k) => k.pts)).toEqual([near, 2 ** 33 + 3600]);
  });

  it('takes the lowest-PID video stream and reassembles a PMT spanning two packets', () => {
    const section = pmtSection([
      { type: 0x1b, pid: 0x120, info: 120 },
      { type: 0x1b, pid: 0x110, info: 120 },
    ]);
    const payload = [0, ...section, 0, 0, 0, 0];
    const bytes = concat(
      pat(),
      packet(PMT_PID, true, new Uint8Array(payload.slice(0, 184))),
      packet(PMT_PID, false, new Uint8Array(payload.slice(184))),
      pes(0x120, h264Au(true), { pts: 0 }),
      pes(0x110, h264Au(true), { pts: 0 }),
    );
    const scan = scanKeyFrames(bytes, 'p.ts');
    expect(scan.videoPid).toBe(0x110);
    expect(scan.psiEnd).toBe(3 * 188);
    expect(scan.keyFrames.map((k) => k.offset)).toEqual([3 * 188 + pes(0x120, h264Au(true), { pts: 0 }).length]);
  });

  it('finds PAT/PMT after the first key frame (a stream cut mid-way) and still lists that key frame', () => {
    const idr = pes(VIDEO_PID, h264Au(true), { pts: 0 });
    const bytes = concat(
      idr,
      pes(AUDIO_PID, new Uint8Array(50), { pts: 0, streamId: 0xc0 }),
      pat(),
      pmt(),
      pes(VIDEO_PID, h264Au(false), { pts: 3600 }),
    );
    const scan = scanKeyFrames(bytes, 'cut.ts');
    expect(scan.keyFrames.map((k) => [k.offset, k.size, k.paramSets])).toEqual([[0, idr.length, true]]);
    expect([scan.psiStart, scan.psiEnd]).toEqual([idr.length + 188, idr.length + 3 * 188]);
    // Tables that do open the segment: the range from 0, as before.
    expect(scanKeyFrames(concat(pat(), pmt(), idr), 'head.ts')).toMatchObject({ psiStart: 0, psiEnd: 376 });
  });

  it('scans a segment without PAT/PMT with the program of an earlier segment', () => {
    const bytes = concat(pes(VIDEO_PID, h264Au(true), { pts: 0 }), pes(VIDEO_PID, h264Au(false), { pts: 3600 }));
    const scan = scanKeyFrames(bytes, 'np.ts', { program: { videoPid: VIDEO_PID, streamType: 0x1b } });
    expect(scan.psiEnd).toBeUndefined();
    expect(scan.keyFrames.map((k) => k.offset)).toEqual([0]);
    expectTrickPlayError(() => scanKeyFrames(bytes, 'np.ts'), 'BAD_TS', /^np\.ts: no PAT up to offset \d+/);
  });
});
