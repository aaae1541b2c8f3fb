// Until an origin at `url` has no packaging under way or waiting (its /metrics gauges): a cold
// playlist is answered before its rendition is committed (store/playlist-requests.ts), a segment
// made alone (or transcoded) while it is (store/segment-requests.ts), so what a test reads of the
// cache, or a next request's cache status, waits for this.
const BUSY = [
  'casterpak_packaging_active',
  'casterpak_packaging_queue_depth',
  'casterpak_transcodes_active',
  'casterpak_transcode_queue_depth',
];
const gauge = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);

export async function settled(url: string, limitMs = 10_000): Promise<void> {
  for (const until = Date.now() + limitMs; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 5))) {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(limitMs) })).text();
    if (BUSY.every((name) => gauge(text, name) === 0)) return;
  }
  throw new Error(`${url}: still packaging ${limitMs} ms later`);
}
