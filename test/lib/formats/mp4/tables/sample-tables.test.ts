// The typed-array sample tables against a naive reference decoding: every table read with
// checked DataView reads into one plain object per sample, the way the format describes it
// (ISO/IEC 14496-12 §8.6, §8.7), on the real fixtures and on hand-built stbls for the forms the
// fixtures lack (co64, stz2, ctts version 1, no stss, several chunks per stsc entry).
import { describe, expect, it } from 'vitest';
import { box, concat, fullBox, uint32, uint64 } from '../../../../../src/lib/formats/mp4/box-writer.js';
import { findBox, readBoxHeader, type BoxHeader } from '../../../../../src/lib/formats/mp4/boxes.js';
import { Mp4FormatError } from '../../../../../src/lib/formats/mp4/errors.js';
import { parseMoov } from '../../../../../src/lib/formats/mp4/moov.js';
import {
  decodeTimesOf,
  offsetRange,
  parseSampleTable,
  samplesIn,
  withTimes,
  type SampleTable,
} from '../../../../../src/lib/formats/mp4/sample-tables.js';
import { onPresentationTimeline } from '../../../../../src/lib/formats/mp4/timeline/presentation.js';
import { PLAYABLE, media, readMoov } from '../../helpers/mp42hls-oracle.js';

interface Sample {
  size: number;
  duration: number;
  dts: number;
  cto: number;
  offset: number;
  sync: boolean;
}

// One object per sample, each table decoded on its own with checked reads.
function reference(bytes: Uint8Array, stbl: BoxHeader): { samples: Sample[]; descriptions: number[] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = (type: string) => {
    const b = findBox(bytes, [type], stbl);
    return b && b.offset + b.headerSize + 4;
  };
  const samples: Sample[] = [];
  const stsz = body('stsz');
  if (stsz !== undefined) {
    const constant = dv.getUint32(stsz);
    for (let i = 0; i < dv.getUint32(stsz + 4); i++) samples.push({ size: constant || dv.getUint32(stsz + 8 + 4 * i) } as Sample);
  } else {
    const at = body('stz2')!;
    const field = dv.getUint8(at + 3);
    for (let i = 0; i < dv.getUint32(at + 4); i++) {
      const bit = i * field;
      const word = field === 16 ? dv.getUint16(at + 8 + bit / 8) : dv.getUint8(at + 8 + Math.floor(bit / 8));
      samples.push({ size: field === 4 ? (bit % 8 === 0 ? word >> 4 : word & 15) : word } as Sample);
    }
  }
  const runs = (type: string, each: (at: number) => void) => {
    const at = body(type);
    if (at !== undefined) for (let e = 0; e < dv.getUint32(at); e++) each(at + 4 + 8 * e);
  };
  let n = 0;
  let time = 0;
  runs('stts', (at) => {
    for (let k = 0; k < dv.getUint32(at) && n < samples.length; k++, n++) {
      samples[n].dts = time;
      samples[n].duration = dv.getUint32(at + 4);
      time += samples[n].duration;
    }
  });
  n = 0;
  samples.forEach((s) => (s.cto = 0));
  runs('ctts', (at) => {
    for (let k = 0; k < dv.getUint32(at) && n < samples.length; k++, n++) samples[n].cto = dv.getInt32(at + 4);
  });
  const stss = body('stss');
  samples.forEach((s) => (s.sync = stss === undefined));
  if (stss !== undefined) for (let e = 0; e < dv.getUint32(stss); e++) samples[dv.getUint32(stss + 4 + 4 * e) - 1].sync = true;
  const stco = body('stco');
  const co64 = body('co64');
  const chunks: number[] = [];
  if (stco !== undefined) for (let c = 0; c < dv.getUint32(stco); c++) chunks.push(dv.getUint32(stco + 4 + 4 * c));
  else for (let c = 0; c < dv.getUint32(co64!); c++) chunks.push(Number(dv.getBigUint64(co64! + 4 + 8 * c)));
  const stsc = body('stsc')!;
  const descriptions = new Set<number>();
  n = 0;
  for (let e = 0; e < dv.getUint32(stsc); e++) {
    const entry = stsc + 4 + 12 * e;
    const last = e + 1 < dv.getUint32(stsc) ? dv.getUint32(entry + 12) - 1 : chunks.length;
    descriptions.add(dv.getUint32(entry + 8));
    for (let c = dv.getUint32(entry) - 1; c < last; c++) {
      for (let k = 0, offset = chunks[c]; k < dv.getUint32(entry + 4) && n < samples.length; k++, n++) {
        samples[n].offset = offset;
        offset += samples[n].size;
      }
    }
  }
  return { samples, descriptions: [...descriptions].sort((a, b) => a - b) };
}

function expectSame(table: SampleTable, expected: ReturnType<typeof reference>): void {
  expect(table.count).toBe(expected.samples.length);
  const ours = Array.from({ length: table.count }, (_, i) => ({
    size: table.sizes[i],
    duration: table.durations[i],
    dts: table.decodeTimes[i],
    cto: table.compositionOffsets[i],
    offset: table.offsets[i],
    sync: table.sync[i] === 1,
  }));
  expect(ours).toEqual(expected.samples);
  expect(table.sampleDescriptionIndexes).toEqual(expected.descriptions);
  // What a media playlist reads instead of the tables, known without decoding them.
  const last = expected.samples.at(-1);
  expect(table.totalBytes).toBe(expected.samples.reduce((sum, s) => sum + s.size, 0));
  expect(table.decodeEnd).toBe(last ? last.dts + last.duration : 0);
  const ctos = expected.samples.map((s) => s.cto);
  expect(offsetRange(table)).toEqual({ lowest: Math.min(0, ...ctos), largest: Math.max(0, ...ctos) });
  // Read one at a time from the stts runs, backwards then forwards (the plan's binary searches
  // jump), and moved onto another timeline, both decoded when first read.
  const order = [...expected.samples.keys()].reverse().concat([...expected.samples.keys()]);
  const times = decodeTimesOf(table);
  expect(order.map((i) => times.at(i))).toEqual(order.map((i) => expected.samples[i].dts));
  const moved = withTimes(table, { decodeEnd: table.decodeEnd + 1001, decode: 1001, composition: 5 });
  const movedTimes = decodeTimesOf(moved);
  expect(order.map((i) => movedTimes.at(i))).toEqual(order.map((i) => expected.samples[i].dts + 1001));
  expect(Array.from(moved.decodeTimes)).toEqual(expected.samples.map((s) => s.dts + 1001));
  expect(Array.from(moved.compositionOffsets)).toEqual(ctos.map((c) => c + 5));
  expect(offsetRange(moved)).toEqual({ lowest: Math.min(0, ...ctos.map((c) => c + 5)), largest: Math.max(0, ...ctos.map((c) => c + 5)) });
}

// Every range of a few samples, read alone from a freshly parsed table, against the reference.
function expectRangesSame(parse: () => SampleTable, expected: ReturnType<typeof reference>): void {
  const n = expected.samples.length;
  const cuts = [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1, n].filter((c, i, all) => c >= 0 && c <= n && all.indexOf(c) === i);
  for (const start of cuts)
    for (const end of cuts.filter((c) => c >= start)) {
      const table = parse(); // nothing decoded whole yet
      const want = expected.samples.slice(start, end);
      expect(Array.from(samplesIn(table, 'offsets', start, end)), `offsets ${start}-${end}`).toEqual(want.map((s) => s.offset));
      expect(Array.from(samplesIn(table, 'sizes', start, end)), `sizes ${start}-${end}`).toEqual(want.map((s) => s.size));
      expect(Array.from(samplesIn(table, 'durations', start, end)), `durations ${start}-${end}`).toEqual(want.map((s) => s.duration));
      const ctos = Array.from(samplesIn(table, 'compositionOffsets', start, end));
      expect(ctos, `composition offsets ${start}-${end}`).toEqual(want.map((s) => s.cto));
    }
  // One table walked through ranges as the index and the bit rates walk the segments (forward),
  // then back and at random (a segment asked first), each range checked before the next is read
  // (a range is valid until then), and the same walk on the table moved onto another timeline.
  const table = parse();
  const moved = withTimes(table, { decodeEnd: table.decodeEnd, decode: 0, composition: 7 });
  const ranges: [number, number][] = [];
  for (let start = 0, k = 0; start < n; k++) {
    const end = Math.min(n, start + 1 + ((k * 7919) % 23));
    ranges.push([start, end]);
    start = end;
  }
  const shuffled = ranges.map((r, k) => ranges[(k * 31) % ranges.length]);
  for (const [start, end] of [...ranges, ...[...ranges].reverse(), ...shuffled]) {
    const want = expected.samples.slice(start, end);
    for (const [field, of] of [
      ['offsets', (s: Sample) => s.offset],
      ['sizes', (s: Sample) => s.size],
      ['durations', (s: Sample) => s.duration],
      ['compositionOffsets', (s: Sample) => s.cto],
    ] as const)
      expect(Array.from(samplesIn(table, field, start, end)), `${field} ${start}-${end}`).toEqual(want.map(of));
    const movedCtos = Array.from(samplesIn(moved, 'compositionOffsets', start, end));
    expect(movedCtos, `moved composition offsets ${start}-${end}`).toEqual(want.map((s) => s.cto + 7));
  }
}

describe('parseSampleTable', () => {
  it.each([...PLAYABLE, 'opus.mp4', 'vp9.mp4'])('%s: every track equals the reference decoding', async (name) => {
    const moov = await readMoov(media(name));
    const movie = parseMoov(moov);
    for (const track of movie.tracks) {
      const trak = readBoxHeader(moov, track.trak.offset);
      const stbl = findBox(moov, ['mdia', 'minf', 'stbl'], trak)!;
      expect(track.samples.count).toBeGreaterThan(0);
      expectSame(track.samples, reference(moov, stbl));
      expectRangesSame(() => parseSampleTable(moov, stbl), reference(moov, stbl));
    }
  });

  // Seven samples: stz2 with 4/8/16-bit sizes, co64 offsets above 2^32, ctts version 1 with a
  // negative offset, one stsc entry over three chunks of two samples and one of one.
  const stbl = (sizes: Uint8Array, extra: Uint8Array[] = []): Uint8Array =>
    box('stbl', [
      sizes,
      fullBox('stts', 0, 0, [uint32(2), uint32(3), uint32(1000), uint32(4), uint32(512)]),
      fullBox('ctts', 1, 0, [uint32(2), uint32(1), uint32(0xfffffe00), uint32(6), uint32(1024)]),
      fullBox('stsc', 0, 0, [uint32(2), uint32(1), uint32(2), uint32(1), uint32(4), uint32(1), uint32(1)]),
      fullBox('co64', 0, 0, [uint32(4), uint64(2 ** 33), uint64(2 ** 33 + 100), uint64(7), uint64(2 ** 40)]),
      ...extra,
    ]);
  const sizes = [3, 15, 0, 9, 1, 12, 5];
  const stz2 = (field: number, packed: number[]) => fullBox('stz2', 0, 0, [uint32(field), uint32(sizes.length), Uint8Array.from(packed)]);
  const forms: [string, Uint8Array][] = [
    ['stz2 4-bit', stz2(4, [0x3f, 0x09, 0x1c, 0x50])],
    ['stz2 8-bit', stz2(8, sizes)],
    [
      'stz2 16-bit',
      stz2(
        16,
        sizes.flatMap((s) => [0, s]),
      ),
    ],
    ['stsz', fullBox('stsz', 0, 0, [uint32(0), uint32(sizes.length), ...sizes.map(uint32)])],
  ];
  it.each(forms)('%s, co64, ctts v1, no stss: equals the reference decoding', (_, sizeBox) => {
    const bytes = stbl(sizeBox);
    const header = readBoxHeader(bytes, 0);
    const table = parseSampleTable(bytes, header);
    expect(Array.from(table.sizes)).toEqual(sizes);
    expect(Array.from(table.offsets)).toEqual([2 ** 33, 2 ** 33 + 3, 2 ** 33 + 100, 2 ** 33 + 100, 7, 8, 2 ** 40]);
    expect(table.compositionOffsets[0]).toBe(-512);
    expectSame(table, reference(bytes, header));
    expectRangesSame(() => parseSampleTable(bytes, header), reference(bytes, header));
  });

  // Runs of no samples (which a muxer may leave) and a last run longer than the samples: the
  // ranges' cursor steps over the first and stops at the count.
  it('stts and ctts with empty runs and a last run past the count: equals the reference decoding', () => {
    const bytes = box('stbl', [
      forms[3][1],
      fullBox('stts', 0, 0, [uint32(4), uint32(0), uint32(999), uint32(3), uint32(1000), uint32(0), uint32(5), uint32(9), uint32(512)]),
      fullBox('ctts', 1, 0, [
        uint32(4),
        uint32(0),
        uint32(7),
        uint32(1),
        uint32(0xfffffe00),
        uint32(0),
        uint32(3),
        uint32(9),
        uint32(1024),
      ]),
      fullBox('stsc', 0, 0, [uint32(2), uint32(1), uint32(2), uint32(1), uint32(4), uint32(1), uint32(1)]),
      fullBox('co64', 0, 0, [uint32(4), uint64(2 ** 33), uint64(2 ** 33 + 100), uint64(7), uint64(2 ** 40)]),
    ]);
    const header = readBoxHeader(bytes, 0);
    const table = parseSampleTable(bytes, header);
    expect(Array.from(table.durations)).toEqual([1000, 1000, 1000, 512, 512, 512, 512]);
    expect(Array.from(table.compositionOffsets)).toEqual([-512, 1024, 1024, 1024, 1024, 1024, 1024]);
    expectSame(table, reference(bytes, header));
    expectRangesSame(() => parseSampleTable(bytes, header), reference(bytes, header));
  });

  it('refuses tables that claim more than their box holds, and chunk offsets beyond 2^53', () => {
    const [, sizeBox] = forms[3];
    const short = stbl(concat([sizeBox.subarray(0, 16), uint32(99), sizeBox.subarray(20)]));
    expect(() => parseSampleTable(short, readBoxHeader(short, 0))).toThrow(Mp4FormatError);
    const far = stbl(sizeBox);
    const co64 = findBox(far, ['co64'], readBoxHeader(far, 0))!;
    far.set([0x00, 0x40], co64.offset + 16); // the first offset's high half now 2^22 · 2^32
    expect(() => parseSampleTable(far, readBoxHeader(far, 0))).toThrow(/too large/);
  });
});

describe('sample offsets', () => {
  // One chunk at `chunkOffset` holding `count` samples of `size` bytes each (a constant-size stsz).
  const oneChunk = (count: number, size: number, chunkOffset: number, held = count) =>
    box('stbl', [
      fullBox('stsz', 0, 0, [uint32(size), uint32(count)]),
      fullBox('stts', 0, 0, [uint32(1), uint32(count), uint32(1)]),
      fullBox('stsc', 0, 0, [uint32(1), uint32(1), uint32(held), uint32(1)]),
      chunkOffset < 2 ** 32
        ? fullBox('stco', 0, 0, [uint32(1), uint32(chunkOffset)])
        : fullBox('co64', 0, 0, [uint32(1), uint64(chunkOffset)]),
    ]);
  const parse = (bytes: Uint8Array) => parseSampleTable(bytes, readBoxHeader(bytes, 0));

  it('are walked when first read, once, and shared by the table moved onto the presentation timeline', async () => {
    const parsed = parseMoov(await readMoov(media('av.mp4')));
    const moved = onPresentationTimeline(parsed);
    // A track given other times (its composition offsets made non-negative, or its decode times moved).
    const k = moved.tracks.findIndex((t, i) => t.samples !== parsed.tracks[i].samples);
    expect(k).toBeGreaterThanOrEqual(0);
    const [before, after] = [parsed.tracks[k].samples, moved.tracks[k].samples];
    expect(Object.getOwnPropertyDescriptor(after, 'offsets')?.get).toBeTypeOf('function');
    expect(after.offsets).toBe(before.offsets);
    expect(after.offsets).toBe(after.offsets);
  });

  it("as the sizes, durations and decode times: decoded when first read, a moved track's times from its stts", async () => {
    const parsed = parseMoov(await readMoov(media('av.mp4')));
    const moved = onPresentationTimeline(parsed);
    const k = moved.tracks.findIndex((t, i) => t.samples.decodeTimes !== parsed.tracks[i].samples.decodeTimes);
    expect(k).toBeGreaterThanOrEqual(0);
    const [before, after] = [parsed.tracks[k].samples, moved.tracks[k].samples];
    for (const lazy of ['sizes', 'durations', 'decodeTimes', 'compositionOffsets', 'totalBytes'] as const)
      expect(Object.getOwnPropertyDescriptor(before, lazy)?.get, lazy).toBeTypeOf('function');
    expect(after.sizes).toBe(before.sizes);
    expect(after.durations).toBe(before.durations);
    const add = after.decodeTimes[0] - before.decodeTimes[0];
    expect(Array.from(after.decodeTimes)).toEqual(Array.from(before.decodeTimes, (t) => t + add));
    expect(after.decodeEnd).toBe(before.decodeEnd + add);
    const ctos = Array.from(after.compositionOffsets);
    expect(offsetRange(after)).toEqual({ lowest: Math.min(0, ...ctos), largest: Math.max(0, ...ctos) });
  });

  it('of a range read alone into one array the table keeps, never the whole table; of the whole table once walked', () => {
    const table = parse(oneChunk(10, 100, 48));
    const seen = [0, 1, 2, 3, 4].map((k) => {
      const part = samplesIn(table, 'offsets', 2 * k, 2 * k + 2);
      expect(Array.from(part)).toEqual([48 + 200 * k, 148 + 200 * k]);
      return part.buffer;
    });
    expect(new Set(seen).size).toBe(1); // the same array each time: nothing allocated per range
    expect(seen[0].byteLength).toBeLessThan(10 * 8); // not the whole table's
    const whole = table.offsets;
    expect(samplesIn(table, 'offsets', 8, 10).buffer).toBe(whole.buffer); // a view of the whole table, now walked
    expect(Array.from(samplesIn(table, 'offsets', 0, 2))).toEqual([48, 148]);
  });

  it('refuses chunks that hold too few samples when the moov is read, not when the offsets are', () => {
    expect(() => parse(oneChunk(10, 100, 48, 9))).toThrow(/chunks hold 9 of 10 samples/);
    expect(Array.from(parse(oneChunk(3, 100, 48)).offsets)).toEqual([48, 148, 248]);
  });

  it('refuses offsets past 2^53 when the moov is read', () => {
    // A chunk 250 bytes below 2^53, its three samples 100 bytes each: the last ends past it.
    expect(() => parse(oneChunk(3, 100, Number.MAX_SAFE_INTEGER - 250))).toThrow(/beyond 2\^53/);
    expect(parse(oneChunk(3, 100, Number.MAX_SAFE_INTEGER - 400)).offsets[2]).toBe(Number.MAX_SAFE_INTEGER - 200);
  });
});
