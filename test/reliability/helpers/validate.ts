// Judges what an origin answered without trusting casterpak's code: a 200 playlist must pass
// the strict parser and end with EXT-X-ENDLIST, and every segment it lists must be fetchable,
// complete (Content-Length = bytes received) and framed MPEG-TS.
import { parseMediaPlaylist } from '../../../src/lib/formats/hls/codec.js';
import { tsFramingError } from '../../../src/lib/formats/mpegts/sync-check.js';

export interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Headers;
}

// A new connection per request: a kept-alive one may lead to a worker a test has just killed.
export async function get(url: string, timeoutMs = 30_000): Promise<Answer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close' } });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body, headers: response.headers };
}

// A complete body: as long as its Content-Length says.
export function completeBodyError(answer: Answer): string | null {
  const length = answer.headers.get('content-length');
  if (length === null) return 'no Content-Length';
  return Number(length) === answer.body.length ? null : `Content-Length ${length}, received ${answer.body.length} bytes`;
}

// Null when the playlist at `indexUrl` (already fetched as `answer`, status 200) and all its
// segments are valid, else the first problem found.
export async function renditionError(indexUrl: string, answer: Answer): Promise<string | null> {
  const incomplete = completeBodyError(answer);
  if (incomplete) return `playlist: ${incomplete}`;
  let uris: string[];
  try {
    const playlist = parseMediaPlaylist(answer.body.toString('utf8'));
    if (!playlist.endlist) return 'playlist without EXT-X-ENDLIST';
    if (playlist.segments.length === 0) return 'playlist lists no segment';
    uris = playlist.segments.map((s) => s.uri);
  } catch (error) {
    return `playlist does not parse: ${(error as Error).message}`;
  }
  for (const uri of uris) {
    const segment = await get(new URL(uri, indexUrl).href);
    if (segment.status !== 200) return `${uri}: status ${segment.status}`;
    const why = completeBodyError(segment) ?? tsFramingError(segment.body);
    if (why) return `${uri}: ${why}`;
  }
  return null;
}

// An error answer: a 4xx/5xx whose body is one line naming the reason.
export function errorAnswerProblem(answer: Answer): string | null {
  if (answer.status < 400) return `status ${answer.status} is not an error`;
  const text = answer.body.toString('utf8');
  if (!/^\d{3} [^\n]*: \S[^\n]*\n$/.test(text)) return `body is not one line with a reason: ${JSON.stringify(text.slice(0, 200))}`;
  return null;
}
