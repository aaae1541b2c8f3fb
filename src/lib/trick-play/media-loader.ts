// How the I-frame playlist maker reads a playlist and its segments: from local files (file: URLs) or over
// HTTP with built-in fetch, on allowed origins only, bounded in time and size.
import { fileURLToPath } from 'node:url';
import { CasterpakError } from '../shared/errors.js';
import { readWhole } from '../shared/file-io.js';
import { readBounded } from '../net/bounded-body.js';
import { upstreamGet } from '../net/http-get.js';

export interface MediaLoader {
  text(url: URL): Promise<string>;
  bytes(url: URL): Promise<Uint8Array>;
}

// Reads file: URLs; a missing file is NOT_FOUND naming the path.
export function fileLoader(): MediaLoader {
  const read = async (url: URL): Promise<Uint8Array> => {
    if (url.protocol !== 'file:') throw new CasterpakError('USAGE', `${url.href}: not a file: URL`);
    const file = fileURLToPath(url);
    try {
      return await readWhole(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new CasterpakError('NOT_FOUND', `${file}: no such file`, { cause: error });
      if (code === 'EISDIR') throw new CasterpakError('USAGE', `${file}: is a directory, not a file`, { cause: error });
      throw new CasterpakError('NOT_FOUND', `${file}: cannot read (${code ?? String(error)})`, { cause: error });
    }
  };
  return {
    text: async (url) => new TextDecoder().decode(await read(url)),
    bytes: read,
  };
}

interface HttpLoaderOptions {
  /** per request, headers and body */
  readonly timeoutMs: number;
  /** per response body */
  readonly maxBytes: number;
  /** origins (`https://host:port`) requests and redirects may go to */
  readonly allowedOrigins: readonly string[];
}

// GETs through the one upstream GET (net/http-get.ts), on the allowed origins only.
export function httpLoader(options: HttpLoaderOptions): MediaLoader {
  const get = { timeoutMs: options.timeoutMs, allowedOrigins: options.allowedOrigins };
  const bytes = (url: URL): Promise<Uint8Array> =>
    upstreamGet(url, get, (response, finalUrl) => readBounded(response, finalUrl, options.maxBytes));
  return {
    text: async (url) => new TextDecoder().decode(await bytes(url)),
    bytes,
  };
}
