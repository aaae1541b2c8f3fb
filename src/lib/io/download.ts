// Streams a remote source to disk: under a temporary name until complete and checked against
// Content-Length, then renamed into place, so a partial download is never used or kept.
// Redirects are followed only within the origin that was asked for (no other host is fetched).
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CasterpakError } from '../errors.js';
import { VERSION } from '../version.js';

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
  // Shutting down says nothing about the upstream: not a failure to remember for it.
  if (cancelled) return new CasterpakError('CANCELLED', `download cancelled: ${url.href}`, { cause: error });
  if (timedOut) return new CasterpakError('UPSTREAM_TIMEOUT', `upstream timed out: ${url.href}`, { cause: error });
  const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as NodeJS.ErrnoException)?.code;
  if (cause === 'ENOSPC') return new CasterpakError('NO_SPACE', `no space left for the download of ${url.href}`, { cause: error });
  return new CasterpakError('UPSTREAM', `download failed: ${url.href}${cause ? ` (${cause})` : ''}`, { cause: error });
}

// GET with manual redirects that must stay on the same origin.
export async function fetchSameOrigin(url: URL, signal: AbortSignal, maxRedirects: number): Promise<{ response: Response; url: URL }> {
  let current = url;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const response = await fetch(current, { redirect: 'manual', signal, headers: { 'user-agent': `casterpak/${VERSION}` } });
    if (response.status < 300 || response.status >= 400 || response.status === 304) return { response, url: current };
    const location = response.headers.get('location');
    await response.body?.cancel();
    if (!location) throw new CasterpakError('UPSTREAM', `upstream redirect without Location: ${current.href}`);
    const next = new URL(location, current);
    if (next.origin !== url.origin) throw new CasterpakError('FORBIDDEN_HOST', `upstream redirected to another host (${next.origin}); refused`);
    current = next;
  }
  throw new CasterpakError('UPSTREAM', `too many redirects from ${url.href}`);
}

export async function downloadToFile(url: URL, dest: string, options: DownloadOptions): Promise<DownloadResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const partName = `${path.basename(dest)}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
  const part = path.join(options.partDir ?? path.dirname(dest), partName);
  try {
    const { response, url: finalUrl } = await fetchSameOrigin(url, controller.signal, options.maxRedirects ?? 5);
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
    throw upstreamError(url, error, timedOut, options.signal?.aborted === true);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await fs.rm(part, { force: true });
  }
}
