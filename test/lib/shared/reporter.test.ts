import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { barReporter, lineReporter, silentReporter } from '../../../src/lib/shared/reporter.js';

describe('lineReporter', () => {
  it('writes a plain line per start and finish, none for progress', () => {
    const lines: string[] = [];
    const reporter = lineReporter((line) => lines.push(line));
    reporter.start('a.mp4');
    reporter.progress('a.mp4', 'mp42hls', 0.5);
    reporter.finish('a.mp4', 'made', '2 segments → /c/a.mp4');
    reporter.finish('b.mp4', 'failed', 'empty file');
    reporter.close();
    expect(lines).toEqual(['start   a.mp4', 'made    a.mp4  2 segments → /c/a.mp4', 'failed  b.mp4  empty file']);
  });
});

describe('silentReporter', () => {
  it('accepts every call and writes nothing', () => {
    const reporter = silentReporter();
    expect(() => {
      reporter.start('a');
      reporter.progress('a', 'x', 1);
      reporter.finish('a', 'reused', '');
      reporter.close();
    }).not.toThrow();
  });
});

describe('barReporter', () => {
  it('draws bars on a terminal stream and logs failures with their reason', () => {
    const stream = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
      clearScreenDown: () => true,
    });
    let out = '';
    stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const reporter = barReporter(stream as unknown as NodeJS.WriteStream);
    reporter.start('a.mp4');
    reporter.start('b.mp4');
    reporter.progress('a.mp4', 'mp42hls', 0.5);
    reporter.finish('a.mp4', 'made', '');
    reporter.finish('b.mp4', 'failed', 'empty file');
    reporter.close();
    expect(out).toContain('a.mp4');
    expect(out).toMatch(/failed.* b\.mp4: empty file/);
  });
});
