// Mutated copies of a good MP4, from a seed: the classes of damage a library file meets on the
// way (bit rot, cut-off copies, corrupted box headers, zeroed blocks).
import { rng, type Rng } from './prng.js';

type MutationKind = 'bitflip' | 'truncate' | 'boxsize' | 'zero';
export const MUTATION_KINDS: readonly MutationKind[] = ['bitflip', 'truncate', 'boxsize', 'zero'];

interface Mutant {
  readonly kind: MutationKind;
  readonly detail: string;
  readonly bytes: Buffer;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'dinf', 'udta', 'mvex']);

// Offsets of ISO BMFF box headers (ISO/IEC 14496-12 §4.2: 32-bit size, then the 4-char type),
// top level and inside the usual containers.
export function boxOffsets(bytes: Buffer, start = 0, end = bytes.length, depth = 0): Array<{ offset: number; type: string; size: number }> {
  const boxes: Array<{ offset: number; type: string; size: number }> = [];
  let offset = start;
  while (offset + 8 <= end) {
    const size = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (size < 8 || offset + size > end) break;
    boxes.push({ offset, type, size });
    if (CONTAINERS.has(type) && depth < 6) boxes.push(...boxOffsets(bytes, offset + 8, offset + size, depth + 1));
    offset += size;
  }
  return boxes;
}

function mutateOnce(good: Buffer, kind: MutationKind, random: Rng): Mutant {
  const bytes = Buffer.from(good);
  switch (kind) {
    case 'bitflip': {
      const flips = random.int(1, 32);
      for (let i = 0; i < flips; i++) bytes[random.int(0, bytes.length - 1)] ^= 1 << random.int(0, 7);
      return { kind, detail: `${flips} bits`, bytes };
    }
    case 'truncate': {
      const length = random.int(0, bytes.length - 1);
      return { kind, detail: `to ${length} bytes`, bytes: bytes.subarray(0, length) };
    }
    case 'boxsize': {
      const box = random.pick(boxOffsets(good));
      const size = random.pick([0, 1, 7, box.size - 1, box.size + 1, box.size * 2, 0xffffffff, random.int(0, 0xffffffff)]) >>> 0;
      bytes.writeUInt32BE(size, box.offset);
      return { kind, detail: `${box.type}@${box.offset} size ${box.size} → ${size}`, bytes };
    }
    case 'zero': {
      const length = random.int(1, 8192);
      const at = random.int(0, bytes.length - 1);
      bytes.fill(0, at, Math.min(bytes.length, at + length));
      return { kind, detail: `${length} bytes at ${at}`, bytes };
    }
  }
}

export function mutants(good: Buffer, count: number, seed: number): Mutant[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, i) => mutateOnce(good, MUTATION_KINDS[i % MUTATION_KINDS.length], random));
}
