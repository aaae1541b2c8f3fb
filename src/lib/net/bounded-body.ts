// Reads an HTTP response body with a size limit that holds whether or not the upstream sends
// Content-Length: the declared length is checked first, then the bytes are counted as they stream.
import { CasterpakError } from '../shared/errors.js';

export async function readBounded(response: Response, url: URL, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new CasterpakError('UPSTREAM', `${url.href}: response larger than ${maxBytes} bytes; refused`);
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, received);
}
