import { describe, expect, it } from 'vitest';
import { warnOncePerKey } from '../../../src/lib/shared/warn-once.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

describe('warnOncePerKey', () => {
  it('tells each key once, with the first message and fields', () => {
    const logger = recordingLogger();
    const warn = warnOncePerKey(logger, 10);
    warn('a', 'first', { n: 1 });
    warn('a', 'again', { n: 2 });
    warn('b', 'other', { n: 3 });
    expect(logger.warnings().map((l) => [l.message, l.fields.n])).toEqual([
      ['first', 1],
      ['other', 3],
    ]);
  });

  it('forgets the least recent key past its bound, which is then told again', () => {
    const logger = recordingLogger();
    const warn = warnOncePerKey(logger, 2);
    for (const key of ['a', 'b', 'c', 'a']) warn(key, key, {});
    expect(logger.warnings().map((l) => l.message)).toEqual(['a', 'b', 'c', 'a']);
  });
});
