import { describe, expect, it } from 'vitest';
import { dropTrailingPes } from '../../../../src/lib/formats/mpegts/drop-trailing-pes.js';
import { TsFormatError } from '../../../../src/lib/formats/mpegts/errors.js';
import { packetPid, payloadUnitStart } from '../../../../src/lib/formats/mpegts/packet.js';
import { wholeFile } from '../helpers/mp42hls-oracle.js';

// The PES unit starts of a stream, as [pid, packet index] in order (PAT and PMT included).
const unitStarts = (ts: Uint8Array): [number, number][] => {
  const starts: [number, number][] = [];
  for (let at = 0; at < ts.length; at += 188) if (payloadUnitStart(ts, at)) starts.push([packetPid(ts, at), at / 188]);
  return starts;
};

describe('dropTrailingPes', () => {
  it('drops the last PES with their PID’s later packets; given up, it moves the kept ones within the input', async () => {
    const { segments } = await wholeFile('av.mp4', 2);
    for (const segment of segments.slice(0, 3)) {
      for (const count of [1, 2]) {
        const copy = dropTrailingPes(segment, count);
        // The oracle: every packet from each of the last `count` elementary-stream unit starts
        // on, of that start's PID, is gone; the rest keep their order.
        const starts = unitStarts(segment).filter(([pid]) => pid > 0x20);
        const gone = new Set<number>();
        for (const [pid, first] of starts.slice(-count))
          for (let i = first; i < segment.length / 188; i++) if (packetPid(segment, i * 188) === pid) gone.add(i);
        const kept = Array.from({ length: segment.length / 188 }, (_, i) => i).filter((i) => !gone.has(i));
        expect(copy.length).toBe(kept.length * 188);
        kept.forEach((i, k) =>
          expect(Buffer.from(copy.subarray(k * 188, k * 188 + 188)).equals(segment.subarray(i * 188, i * 188 + 188))).toBe(true),
        );
        const given = Uint8Array.from(segment);
        const inPlace = dropTrailingPes(given, count, true);
        expect(inPlace.buffer).toBe(given.buffer);
        expect(Buffer.from(inPlace).equals(copy)).toBe(true);
      }
    }
  });

  it('refuses more PES than the stream holds, and what is not whole packets', () => {
    expect(() => dropTrailingPes(new Uint8Array(187), 1)).toThrow(TsFormatError);
    const one = new Uint8Array(188);
    one[0] = 0x47;
    expect(() => dropTrailingPes(one, 1)).toThrow(TsFormatError);
  });
});
