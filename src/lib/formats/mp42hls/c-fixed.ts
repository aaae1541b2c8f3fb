// C's printf("%f") for doubles, as glibc prints it: the exact binary value rounded to the
// given number of decimals, ties to even. JavaScript's toFixed rounds ties away from zero
// (0.0078125.toFixed(6) is "0.007813"; printf gives "0.007812"), so mp42hls's EXTINF values
// need this to be reproduced byte for byte.

const TWO_52 = 2n ** 52n;

// Exact decomposition value = mantissa × 2^exponent, so rounding can be done as C does, on the exact value.
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & (TWO_52 - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | TWO_52, exponent: biased - 1075 };
}

// EXTINF strings must match mp42hls's C "%f" (six decimals) digit for digit; toFixed rounds ties differently.
export function formatCFixed(value: number, decimals = 6): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value < 0 ? '-inf' : 'inf';
  const negative = value < 0 || Object.is(value, -0);
  // toFixed prints the same digits but on exact ties (up, where C goes to even): doubles whose
  // magnitude × 2 × 10^decimals is an odd integer, a product then exact (an integer below 2^53).
  // Those, and magnitudes toFixed would print in exponent form, take the exact path (BigInt:
  // ~1 µs a value, 720 EXTINFs a 2-hour playlist).
  const magnitude = Math.abs(value);
  const doubled = magnitude * 2 * 10 ** decimals;
  if (magnitude < 1e9 && decimals <= 9 && !(Number.isInteger(doubled) && doubled % 2 === 1)) {
    const text = magnitude.toFixed(decimals);
    return negative ? `-${text}` : text;
  }
  const { mantissa, exponent } = decompose(value);
  const scale = 10n ** BigInt(decimals);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    const denominator = 1n << BigInt(-exponent);
    const numerator = mantissa * scale;
    scaled = numerator / denominator;
    const twiceRemainder = 2n * (numerator % denominator);
    if (twiceRemainder > denominator || (twiceRemainder === denominator && scaled % 2n === 1n)) scaled += 1n;
  }
  const digits = scaled.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const text = decimals > 0 ? `${whole}.${digits.slice(digits.length - decimals)}` : whole;
  return negative ? `-${text}` : text;
}
