// The format core throws TsFormatError; trick play answers with a code. Both sides are checked
// where a segment is refused: the thrown error's class and what trickPlayError makes of it.
import { expect } from 'vitest';
import { TsFormatError } from '../../src/lib/formats/mpegts/errors.js';
import { CasterpakError } from '../../src/lib/shared/errors.js';
import { trickPlayError } from '../../src/lib/trick-play/scan-errors.js';

export function expectTrickPlayError(run: () => unknown, code: string, message: RegExp): void {
  try {
    run();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(TsFormatError);
    const error = trickPlayError(thrown);
    expect(error).toBeInstanceOf(CasterpakError);
    expect((error as CasterpakError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an error');
}
