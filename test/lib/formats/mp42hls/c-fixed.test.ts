// formatCFixed against C's own printf("%f"), reached through awk (mawk and gawk format numbers
// with the C library's printf on doubles), on the values mp42hls prints and on rounding ties.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatCFixed } from '../../../../src/lib/formats/mp42hls/c-fixed.js';

const hasAwk = (() => {
  try {
    execFileSync('awk', ['BEGIN{}']);
    return true;
  } catch {
    return false;
  }
})();

// One awk process prints every value (one per value would be slow); values are passed as exact 17-digit literals.
function cPrintf(values: readonly number[]): string[] {
  const program = 'BEGIN{} { printf "%f\\n", $1 }';
  const input = values.map((v) => v.toPrecision(17)).join('\n') + '\n';
  return execFileSync('awk', [program], { input, encoding: 'utf8' }).trimEnd().split('\n');
}

// The values mp42hls meets: differences of decode times over common timescales, plus exact
// binary ties (k / 2^n with seven decimals) where toFixed and printf disagree.
function samples(): number[] {
  const values: number[] = [];
  for (const scale of [1000, 12800, 15360, 30000, 44100, 48000, 90000, 24000]) {
    for (let k = 0; k < 400; k++) {
      const a = (k * 1001 * 37) / scale;
      const b = (k * 512 + 7) / scale;
      values.push(a - b / 3 > 0 ? a - b / 3 : b, ((k + 1) * 1024) / scale - (k * 1024) / (scale * 2));
    }
  }
  for (let k = 1; k < 2000; k += 2) values.push(k / 128, k / 2 ** 20, 1000 + k / 128);
  // Ties too large for their doubled product to be exact, and values toFixed prints with an exponent.
  for (let k = 1; k < 40; k += 2) values.push(1e10 + k / 128, 3e12 + k / 128);
  values.push(0, 0.5, 1e-7, 5e-7, 4.9999995e-7, 123456.75, 1e15 + 0.5, 2 ** 60, 1e21, 3.5e22);
  return values;
}

describe('formatCFixed', () => {
  it.skipIf(!hasAwk)('prints exactly what C printf("%f") prints', () => {
    const values = samples();
    const expected = cPrintf(values);
    const mismatches = values.map((v, i) => [v, formatCFixed(v), expected[i]]).filter(([, ours, c]) => ours !== c);
    expect(mismatches).toEqual([]);
  });

  it.skipIf(!hasAwk)('differs from toFixed(6) on ties, as printf does', () => {
    const ties = [1 / 128, 5 / 128, 9 / 128];
    const c = cPrintf(ties);
    expect(ties.map((t) => formatCFixed(t))).toEqual(c);
    expect(ties.some((t, i) => t.toFixed(6) !== c[i])).toBe(true);
  });

  it('handles signs and non-finite values like glibc', () => {
    expect(formatCFixed(-1.5)).toBe('-' + formatCFixed(1.5));
    expect(formatCFixed(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(formatCFixed(Number.NEGATIVE_INFINITY)).toBe('-inf');
  });

  it.skipIf(!hasAwk)('honours other precisions like "%.0f" and "%.3f"', () => {
    for (const [value, decimals] of [
      [2.5, 0],
      [3.5, 0],
      [0.0625, 3],
      [1.0005, 3],
      [-0.0625, 3],
    ] as const) {
      expect(formatCFixed(value, decimals)).toBe(cPrintfDigits(value, decimals));
    }
  });
});

// C's "%.0f" for the decimals parameter, through awk as well.
function cPrintfDigits(value: number, decimals: number): string {
  return execFileSync('awk', [`BEGIN{ printf "%.${decimals}f", ${value.toPrecision(17)} }`], { encoding: 'utf8' });
}
