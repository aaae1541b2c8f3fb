// Starts a real casterpak origin (createOrigin) on 127.0.0.1:0 with the real Bento4, a temp
// cache and a source root holding copies of the fixtures; stopped when the test finishes.
import { copyFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { validateConfig, type CasterpakConfig, type ConfigInput } from '../../src/lib/config/schema.js';
import { createOrigin, type Origin } from '../../src/lib/origin/server.js';
import type { Bento4 } from '../../src/lib/packaging/bento4.js';
import { createLogger, type Logger } from '../../src/lib/shared/logger.js';
import { media } from './bento4.js';
import { settled } from './settled.js';
import { tempDir } from './temp-dir.js';

export interface TestOrigin {
  readonly origin: Origin;
  readonly url: string;
  readonly config: CasterpakConfig;
  readonly sourceRoot: string;
  readonly cacheDir: string;
  get(pathname: string, headers?: Record<string, string>, method?: string): Promise<Response>;
  /** Until no packaging is under way or waiting (helpers/settled.ts). */
  settled(): Promise<void>;
}

// `sources`: rendition path → fixture file name, copied into the source root. `logger`: one
// that records (default: silent). `bento4`: another than the configuration's (a fake taken for
// the pinned one, to hold a window open).
export async function startOrigin(
  sources: Record<string, string>,
  overrides: ConfigInput = {},
  logger: Logger = createLogger('silent'),
  bento4?: Bento4,
): Promise<TestOrigin> {
  const root = tempDir('casterpak-origin-');
  const sourceRoot = path.join(root, 'library');
  const cacheDir = path.join(root, 'cache');
  mkdirSync(sourceRoot);
  for (const [renditionPath, fixture] of Object.entries(sources)) {
    const file = path.join(sourceRoot, renditionPath);
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(media(fixture), file);
  }
  const config = validateConfig(
    [
      { cacheDir, sourceRoot, segmentDuration: 4, serve: { port: 0, logLevel: 'silent', ...((overrides.serve as object) ?? {}) } },
      { ...overrides, serve: undefined },
    ],
    os.availableParallelism(),
  );
  const origin = await createOrigin(config, { logger, bento4 });
  const address = await origin.listen();
  onTestFinished(() => origin.close(1000));
  const url = `http://127.0.0.1:${address.port}`;
  return {
    origin,
    url,
    config,
    sourceRoot,
    cacheDir,
    get: (pathname, headers = {}, method = 'GET') => fetch(url + pathname, { headers, method }),
    settled: () => settled(url),
  };
}
