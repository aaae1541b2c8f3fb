import { describe, expect, it } from 'vitest';
import { readBounded } from '../../../src/lib/net/bounded-body.js';

const url = new URL('http://127.0.0.1/x.m3u8');

function streamed(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  return new Response(body);
}

describe('readBounded', () => {
  it('returns the whole body within the limit', async () => {
    expect(new TextDecoder().decode(await readBounded(streamed(['#EXT', 'M3U\n']), url, 8))).toBe('#EXTM3U\n');
    expect(await readBounded(new Response(null), url, 8)).toHaveLength(0);
  });

  it('stops counting bytes past the limit without Content-Length', async () => {
    await expect(readBounded(streamed(['1234', '5678', '9']), url, 8)).rejects.toThrow(
      'http://127.0.0.1/x.m3u8: response larger than 8 bytes; refused',
    );
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const response = new Response('tiny', { headers: { 'content-length': '1000' } });
    await expect(readBounded(response, url, 8)).rejects.toMatchObject({ code: 'UPSTREAM' });
  });
});
