// serve refuses to start on a root it cannot read or a cache it cannot write: otherwise it
// would listen and answer 404 (or 500) to every request, which looks like missing media.
// Each refusal is one line naming the directory and the flag, variable or key that set it.
import { constants, promises as fs } from 'node:fs';
import { CasterpakError } from '../shared/errors.js';
import { byKey, type ConfigOrigin } from '../config/origin.js';
import type { CasterpakConfig } from '../config/schema.js';

const refuse = (what: string, dir: string, problem: string, from: string): never => {
  throw new CasterpakError('CONFIG', `the ${what} ${dir} ${problem} (${from})`);
};

const reason = (error: unknown) => (error as NodeJS.ErrnoException)?.code ?? String(error);

async function readableDirectory(what: string, dir: string, from: string): Promise<void> {
  const stat = await fs
    .stat(dir)
    .catch((error: NodeJS.ErrnoException) =>
      refuse(what, dir, error.code === 'ENOENT' ? 'does not exist' : `cannot be read: ${reason(error)}`, from),
    );
  if (!stat.isDirectory()) refuse(what, dir, 'is not a directory', from);
  try {
    await fs.access(dir, constants.R_OK | constants.X_OK);
    await (await fs.opendir(dir)).close();
  } catch (error) {
    refuse(what, dir, `is not readable: ${reason(error)}`, from);
  }
}

async function writableDirectory(what: string, dir: string, from: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') refuse(what, dir, `cannot be created: ${reason(error)}`, from); // EEXIST: a file, said below
  });
  const stat = await fs.stat(dir);
  if (!stat.isDirectory()) refuse(what, dir, 'is not a directory', from);
  // access(2) with W_OK also fails on a read-only file system, for root too.
  await fs.access(dir, constants.W_OK | constants.X_OK).catch((error) => refuse(what, dir, `is not writable: ${reason(error)}`, from));
}

export async function checkServeDirectories(
  config: Pick<CasterpakConfig, 'sourceRoot' | 'publishedRoot' | 'cacheDir'>,
  origin: ConfigOrigin = byKey,
): Promise<void> {
  if (config.sourceRoot !== null) await readableDirectory('source root', config.sourceRoot, origin('sourceRoot'));
  if (config.publishedRoot !== null) await readableDirectory('published root', config.publishedRoot, origin('publishedRoot'));
  await checkCacheDirectory(config.cacheDir, origin);
}

// The cache directory alone, created if missing: also `package`'s first check, so an unwritable
// cache is one line before any input rather than the same error for every one.
export async function checkCacheDirectory(cacheDir: string, origin: ConfigOrigin = byKey): Promise<void> {
  await writableDirectory('cache directory', cacheDir, origin('cacheDir'));
}
