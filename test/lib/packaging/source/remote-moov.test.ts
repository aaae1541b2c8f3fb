// The moov of a remote MP4 through the one top-level walk (formats/mp4/top-level.ts) over range
// reads (packaging/source/remote-source.ts): a few small reads, whichever end the moov is at, and
// bad media for a source without one. Only 127.0.0.1.
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { boxEnd, childBoxes } from '../../../../src/lib/formats/mp4/boxes.js';
import { MAX_MOOV_BYTES } from '../../../../src/lib/formats/mp4/top-level.js';
import type { RangeReadOptions } from '../../../../src/lib/net/range-read.js';
import { openRemoteSource } from '../../../../src/lib/packaging/source/remote-source.js';
import { readMoov } from '../../../../src/lib/packaging/source/source-reader.js';
import { httpServer } from '../../../helpers/http-server.js';

const media = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/media/${name}`, import.meta.url)));
const options = (url: string): RangeReadOptions => ({ timeoutMs: 2_000, allowedOrigins: [url], retryDelayMs: 10 });

// A correct byte-range server (RFC 9110 §14): 206 with Content-Range, 416 past the end.
function ranges(file: Uint8Array): http.RequestListener {
  return (req, res) => {
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!match) return void res.writeHead(200, { 'content-length': file.length }).end(file);
    const first = Number(match[1]);
    const last = Math.min(match[2] ? Number(match[2]) : Infinity, file.length - 1);
    if (first >= file.length) return void res.writeHead(416, { 'content-range': `bytes */${file.length}` }).end();
    res.writeHead(206, { 'content-range': `bytes ${first}-${last}/${file.length}`, 'content-length': last - first + 1 });
    res.end(file.subarray(first, last + 1));
  };
}

async function remoteMoov(url: string) {
  const reader = await openRemoteSource(new URL(url), options(url));
  if (!reader) throw new Error('the test server supports ranges');
  return { reader, result: await readMoov(reader, 'film.mp4') };
}

describe('a remote moov by range reads', () => {
  it.each(['av.mp4', 'moov-at-end.mp4'])('%s: one read per top-level box header, then the moov', async (name) => {
    const file = media(name);
    const boxes = [...childBoxes(file, 0, file.length)];
    const moov = boxes.find((b) => b.type === 'moov')!;
    const { url, requests } = await httpServer(ranges(file));
    const { reader, result } = await remoteMoov(url);
    expect(result.offset).toBe(moov.offset);
    expect(Buffer.from(result.moov).equals(Buffer.from(file.subarray(moov.offset, boxEnd(moov))))).toBe(true);
    // the size probe, each header once (the first box's with the sniff), the moov
    expect(requests).toHaveLength(1 + boxes.length + 1);
    expect(reader.bytesRead).toBeLessThan(moov.size + 100);
  });

  it('refuses a moov over the size limit before reading it', async () => {
    const size = MAX_MOOV_BYTES + 1024;
    const header = Buffer.alloc(16); // a moov header claiming the whole file, its first box
    header.writeUInt32BE(size, 0);
    header.write('moov', 4, 'latin1');
    const { url, requests } = await httpServer((req, res) => {
      const [first, last] = (req.headers.range ?? 'bytes=0-0').slice(6).split('-').map(Number);
      res.writeHead(206, { 'content-range': `bytes ${first}-${last}/${size}` }).end(header.subarray(first, last + 1));
    });
    await expect(remoteMoov(url)).rejects.toMatchObject({
      code: 'BAD_MEDIA',
      message: `film.mp4: moov of ${size} bytes is larger than casterpak reads`,
    });
    expect(requests).toHaveLength(2);
  });

  it('calls a source with no moov, or an empty one, bad media', async () => {
    const empty = await httpServer(ranges(new Uint8Array(0)));
    await expect(remoteMoov(empty.url)).rejects.toMatchObject({ code: 'BAD_MEDIA', message: 'film.mp4: empty file' });
    const noMoov = await httpServer(ranges(media('av.mp4').subarray(0, 32)));
    await expect(remoteMoov(noMoov.url)).rejects.toMatchObject({
      code: 'BAD_MEDIA',
      message: 'film.mp4: truncated or not an MP4 (no moov)',
    });
  });
});
