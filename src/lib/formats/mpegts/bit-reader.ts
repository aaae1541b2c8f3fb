// MSB-first bit reader over a NAL unit's RBSP, with Exp-Golomb codes (H.264 §9.1, H.265 §9.2).
// Reading past the end throws RangeError; callers treat that as "not enough data".

// Removes emulation_prevention_three_byte (H.264 §7.4.1, H.265 §7.4.2): 00 00 03 → 00 00.
export function unescapeRbsp(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let length = 0;
  let zeros = 0;
  for (const b of bytes) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[length++] = b;
  }
  return out.subarray(0, length);
}

export class BitReader {
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {}

  bit(): number {
    const byte = this.position >> 3;
    if (byte >= this.bytes.length) throw new RangeError('read past the end of the RBSP');
    const value = (this.bytes[byte]! >> (7 - (this.position & 7))) & 1;
    this.position++;
    return value;
  }

  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.bit();
    return value;
  }

  skip(count: number): void {
    for (let i = 0; i < count; i++) this.bit();
  }

  // ue(v)
  ue(): number {
    let leadingZeros = 0;
    while (this.bit() === 0) {
      if (++leadingZeros > 31) throw new RangeError('Exp-Golomb code too long');
    }
    return 2 ** leadingZeros - 1 + this.bits(leadingZeros);
  }

  // se(v)
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -k / 2;
  }
}
