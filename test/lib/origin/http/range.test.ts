import { describe, expect, it } from 'vitest';
import { decideRange } from '../../../../src/lib/origin/http/range.js';

describe('decideRange (RFC 9110 §14)', () => {
  it('serves the whole file without a Range header or with several ranges', () => {
    expect(decideRange(undefined, 100)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'full' });
    expect(decideRange('items=0-1', 100)).toEqual({ kind: 'full' });
  });
  it('takes first-last, open-ended and suffix ranges', () => {
    expect(decideRange('bytes=376-563', 1000)).toEqual({ kind: 'partial', start: 376, end: 563 });
    expect(decideRange('bytes=900-', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(decideRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(decideRange('bytes=990-5000', 1000)).toEqual({ kind: 'partial', start: 990, end: 999 });
  });
  it('is unsatisfiable past the end or for an empty suffix', () => {
    expect(decideRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
  });
  it('ignores an inverted range', () => {
    expect(decideRange('bytes=10-5', 1000)).toEqual({ kind: 'full' });
  });
});
