import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/lib/config/schema.js';
import { createLogger } from '../../../src/lib/shared/logger.js';
import { announceStart } from '../../../src/lib/origin/serve-runner.js';
import { listenUrl, startupFacts, startupLine } from '../../../src/lib/origin/startup-line.js';

const config = (layer: Record<string, unknown> = {}) =>
  validateConfig([{ cacheDir: '/var/cache/casterpak', sourceRoot: '/srv/media', ...layer }], 2);

// A stream that keeps what is written; `isTTY` as a terminal has it.
function stream(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, isTTY, write: (text: string) => lines.push(text) > 0 } as unknown as NodeJS.WritableStream & {
    isTTY: boolean;
    lines: string[];
  };
}

describe('the start-up line', () => {
  it('says where serve listens, its roots, cache, workers, access log and status page in one sentence', () => {
    const facts = startupFacts(config({ publishedRoot: '/srv/hls', serve: { workers: 2, accessLog: false } }), {
      address: '127.0.0.1',
      port: 8080,
    });
    expect(startupLine(facts)).toBe(
      'casterpak serve listening on http://127.0.0.1:8080 (2 workers); source root /srv/media, published root /srv/hls; cache /var/cache/casterpak; access log off; status page http://127.0.0.1:8080/',
    );
  });

  it('says so when there is nothing to package from, and brackets IPv6 addresses (RFC 3986 section 3.2.2)', () => {
    const facts = startupFacts(config({ sourceRoot: null }), { address: '::1', port: 9000 });
    expect(startupLine(facts)).toBe(
      'casterpak serve listening on http://[::1]:9000 (1 worker); no source root or upstream (only what is cached is served); cache /var/cache/casterpak; access log on; status page http://[::1]:9000/',
    );
    expect(listenUrl({ address: '0.0.0.0', port: 80 })).toBe('http://0.0.0.0:80');
  });

  it('is written as the sentence on a terminal, and as one structured log line otherwise', () => {
    const tty = stream(true);
    announceStart(config(), { address: '127.0.0.1', port: 8080 }, createLogger('info', tty), tty);
    expect(tty.lines).toEqual([
      expect.stringMatching(/^casterpak serve listening on http:\/\/127\.0\.0\.1:8080 \(1 worker\); source root \/srv\/media; .*\n$/),
    ]);
    const pipe = stream(false);
    announceStart(config(), { address: '127.0.0.1', port: 8080 }, createLogger('info', pipe), pipe);
    expect(pipe.lines).toHaveLength(1);
    expect(JSON.parse(pipe.lines[0])).toMatchObject({
      level: 'info',
      msg: 'started',
      url: 'http://127.0.0.1:8080',
      statusPage: 'http://127.0.0.1:8080/',
      sourceRoot: '/srv/media',
      cacheDir: '/var/cache/casterpak',
      workers: 1,
    });
    const quiet = stream(true);
    announceStart(config({ serve: { logLevel: 'silent' } }), { address: '127.0.0.1', port: 8080 }, createLogger('silent', quiet), quiet);
    expect(quiet.lines).toEqual([]);
  });
});
