// Streams a remote source to disk: under a temporary name until complete and checked against
// Content-Length, then renamed into place, so a partial download is never used or kept.
// Redirects are followed only within the origin that was asked for (no other host is fetched).
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CasterpakError } from '../../shared/errors.js';
import { partName } from '../../cache/names.js';
import { upstreamGet, type UpstreamGetOptions } from '../../net/http-get.js';

export interface DownloadOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (received: number, total: number | null) => void;
  /** Where the partial file is written (e.g. a packaging run's directory in the cache's .tmp/,
   * which the temp sweep removes after a kill -9); default: beside `dest`. Same file system as dest. */
  readonly partDir?: string;
  readonly sign?: UpstreamGetOptions['sign'];
  readonly explain?: UpstreamGetOptions['explain'];
}

interface DownloadResult {
  readonly bytes: number;
  readonly finalUrl: string;
}

export async function downloadToFile(url: URL, dest: string, options: DownloadOptions): Promise<DownloadResult> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const part = path.join(options.partDir ?? path.dirname(dest), partName(path.basename(dest), process.pid, randomBytes(4).toString('hex')));
  const get: UpstreamGetOptions = {
    timeoutMs: options.timeoutMs,
    allowedOrigins: [url.origin],
    maxRedirects: options.maxRedirects,
    signal: options.signal,
    sign: options.sign,
    explain: options.explain,
  };
  try {
    return await upstreamGet(url, get, async (response, finalUrl) => {
      if (!response.body) throw new CasterpakError('UPSTREAM', `${finalUrl.href}: upstream answered ${response.status} without a body`);
      const header = response.headers.get('content-length');
      const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
      if (total !== null && total > options.maxBytes) {
        await response.body.cancel();
        throw new CasterpakError('UPSTREAM', `source too large: ${total} bytes > limit ${options.maxBytes} (${url.href})`);
      }
      let received = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (received > options.maxBytes) {
            callback(new CasterpakError('UPSTREAM', `source too large: over the limit of ${options.maxBytes} bytes (${url.href})`));
            return;
          }
          options.onProgress?.(received, total);
          callback(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        counter,
        createWriteStream(part, { flags: 'wx' }),
      );
      if (total !== null && received !== total) {
        throw new CasterpakError('UPSTREAM', `upstream body ended early: ${received} of ${total} bytes (${url.href})`);
      }
      await fs.rename(part, dest);
      return { bytes: received, finalUrl: finalUrl.href };
    });
  } finally {
    await fs.rm(part, { force: true });
  }
}
