// Streams a remote source to disk: under a temporary name until complete and checked against
// Content-Length, then renamed into place, so a partial download is never used or kept.
// Redirects are followed only within the origin that was asked for (no other host is fetched).
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CasterpakError } from '../shared/errors.js';
import { partName } from '../cache/names.js';
import { deadline, getFollowingRedirects, networkError, sameOrigin } from '../net/http-get.js';

export interface DownloadOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (received: number, total: number | null) => void;
  /** Where the partial file is written (e.g. a packaging run's directory in the cache's .tmp/,
   * which the temp sweep removes after a kill -9); default: beside `dest`. Same file system as dest. */
  readonly partDir?: string;
}

export interface DownloadResult {
  readonly bytes: number;
  readonly finalUrl: string;
}

function upstreamError(url: URL, error: unknown, timedOut: boolean, cancelled: boolean): CasterpakError {
  if (error instanceof CasterpakError) return error;
  if (timedOut) return new CasterpakError('UPSTREAM_TIMEOUT', `upstream timed out: ${url.href}`, { cause: error });
  if (cancelled) return new CasterpakError('CANCELLED', `download cancelled: ${url.href}`, { cause: error });
  return networkError(url, error);
}

export async function downloadToFile(url: URL, dest: string, options: DownloadOptions): Promise<DownloadResult> {
  const limit = deadline(options.timeoutMs, options.signal);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const part = path.join(options.partDir ?? path.dirname(dest), partName(path.basename(dest), process.pid, randomBytes(4).toString('hex')));
  try {
    const { response, url: finalUrl } = await getFollowingRedirects(url, { signal: limit.signal, allow: sameOrigin(url), maxRedirects: options.maxRedirects });
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      throw new CasterpakError('NOT_FOUND', `source not found upstream: ${url.href}`);
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      throw new CasterpakError('UPSTREAM', `upstream answered ${response.status} for ${url.href}`);
    }
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
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), counter, createWriteStream(part, { flags: 'wx' }));
    if (total !== null && received !== total) {
      throw new CasterpakError('UPSTREAM', `upstream body ended early: ${received} of ${total} bytes (${url.href})`);
    }
    await fs.rename(part, dest);
    return { bytes: received, finalUrl: finalUrl.href };
  } catch (error) {
    throw upstreamError(url, error, limit.timedOut(), options.signal?.aborted === true);
  } finally {
    limit.done();
    await fs.rm(part, { force: true });
  }
}
