// A source on the configured upstream read by byte ranges (net/range-read.ts): its size and
// validator from one `bytes=0-0` GET, then exactly the ranges packaging asks for. A source whose
// size or strong ETag changes between reads is a SourceChangedError (its index and segments are dropped).
import { readHead, readRange, RangeNotSupportedError, type RangeReadOptions } from '../../net/range-read.js';
import type { SourceReader } from './source-reader.js';

// A reader over `url`, or null when the upstream ignores Range (the caller downloads it whole).
export async function openRemoteSource(url: URL, options: RangeReadOptions): Promise<SourceReader | null> {
  let bytesRead = 0;
  const counted: RangeReadOptions = { ...options, onBytes: (n) => (bytesRead += n) };
  const head = await readHead(url, counted);
  if (!head.rangeSupported) return null;
  const pinned: RangeReadOptions = { ...counted, expectedSize: head.size, expectedEtag: head.etag };
  return {
    identity: {
      size: head.size,
      version: head.etag ?? head.lastModified ?? `size ${head.size}`,
      mtimeMs: (head.lastModified && Date.parse(head.lastModified)) || 0,
    },
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      const end = Math.min(offset + length, head.size);
      if (end <= offset) return new Uint8Array(0);
      const got = await readRange(url, offset, end, pinned);
      if (got.kind === 'ignored') throw new RangeNotSupportedError(url);
      return got.bytes;
    },
    close: async () => {},
  };
}
