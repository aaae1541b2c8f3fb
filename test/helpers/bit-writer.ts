// Writes SPS fields bit by bit (u(n), ue(v), se(v)) and adds emulation prevention bytes, so
// the SPS parsers are tested against an encoder written from the spec, not against themselves.
export class BitWriter {
  private readonly out: number[] = [];

  bits(value: number, count: number): this {
    for (let i = count - 1; i >= 0; i--) this.out.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  ue(value: number): this {
    const code = value + 1;
    const length = Math.floor(Math.log2(code));
    return this.bits(0, length).bits(code, length + 1);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  // The RBSP bytes (zero-padded) with 0x03 inserted after every 00 00 before 00–03.
  escaped(): Uint8Array {
    const bits = [...this.out];
    while (bits.length % 8) bits.push(0);
    const raw: number[] = [];
    for (let i = 0; i < bits.length; i += 8) raw.push(bits.slice(i, i + 8).reduce((a, b) => a * 2 + b, 0));
    const out: number[] = [];
    let zeros = 0;
    for (const b of raw) {
      if (zeros >= 2 && b <= 3) {
        out.push(3);
        zeros = 0;
      }
      out.push(b);
      zeros = b === 0 ? zeros + 1 : 0;
    }
    return new Uint8Array([...out, 0xaa, 0xaa]); // what follows in the stream is never read
  }
}
