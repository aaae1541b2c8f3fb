// Prometheus metrics of one serve process (prom-client), on GET /metrics.
import client from 'prom-client';

export interface ServeMetrics {
  readonly registry: client.Registry;
  readonly requests: client.Counter<'route' | 'status'>;
  readonly cache: client.Counter<'result'>;
  readonly packagingRuns: client.Counter<'outcome' | 'what'>;
  readonly wholeFileRuns: client.Counter<string>;
  readonly sourceBytes: client.Counter<string>;
  readonly packagingSeconds: client.Histogram<string>;
  readonly queueDepth: client.Gauge<string>;
  readonly activeJobs: client.Gauge<string>;
  readonly bytesServed: client.Counter<string>;
  readonly pruned: client.Counter<string>;
  /** Derived renditions' segments (docs/renditions.md): one ffmpeg transcode each. */
  readonly transcodedSegments: client.Counter<'outcome'>;
  readonly transcodeSeconds: client.Histogram<string>;
  readonly transcodeQueueDepth: client.Gauge<string>;
  readonly transcodesActive: client.Gauge<string>;
  /** Requests refused for their token (--require-token), by reason. */
  readonly tokenRefusals: client.Counter<'reason'>;
  /** The transcode job limit, read on each scrape (it is made after the metrics). */
  watchTranscodes(limiter: { readonly queued: number; readonly active: number }): void;
}

export function createMetrics(): ServeMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'casterpak_' });
  const metric = { registers: [registry] };
  let transcodes: { readonly queued: number; readonly active: number } = { queued: 0, active: 0 };
  return {
    registry,
    requests: new client.Counter({
      name: 'casterpak_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      ...metric,
    }),
    cache: new client.Counter({
      name: 'casterpak_cache_requests_total',
      help: 'Rendition lookups by result (HIT, MISS, WAIT)',
      labelNames: ['result'],
      ...metric,
    }),
    packagingRuns: new client.Counter({
      name: 'casterpak_packaging_runs_total',
      help: 'Packaging runs by what they made (playlist from the moov, segment alone, whole-file rendition, audio rendition file) and outcome',
      labelNames: ['outcome', 'what'],
      ...metric,
    }),
    wholeFileRuns: new client.Counter({
      name: 'casterpak_whole_file_fallbacks_total',
      help: 'Sources packaged whole-file because their segments could not be made alone',
      ...metric,
    }),
    sourceBytes: new client.Counter({
      name: 'casterpak_source_bytes_read_total',
      help: 'Bytes read from sources (local or remote) by packaging',
      ...metric,
    }),
    packagingSeconds: new client.Histogram({
      name: 'casterpak_packaging_duration_seconds',
      help: 'Time of a packaging run',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      ...metric,
    }),
    queueDepth: new client.Gauge({ name: 'casterpak_packaging_queue_depth', help: 'Requests waiting for a packaging slot', ...metric }),
    activeJobs: new client.Gauge({ name: 'casterpak_packaging_active', help: 'Packaging runs in progress', ...metric }),
    bytesServed: new client.Counter({ name: 'casterpak_bytes_served_total', help: 'Response body bytes sent', ...metric }),
    pruned: new client.Counter({ name: 'casterpak_pruned_items_total', help: 'Items removed by prune inside serve', ...metric }),
    transcodedSegments: new client.Counter({
      name: 'casterpak_transcoded_segments_total',
      help: "Derived renditions' segments transcoded, by outcome (committed, failed)",
      labelNames: ['outcome'],
      ...metric,
    }),
    // One segment's ffmpeg run: about 0.5 s for a small picture, up to a minute for 1080p on a busy
    // machine. Timed as every packaging run is (rendition-store.ts): from asking for a slot.
    transcodeSeconds: new client.Histogram({
      name: 'casterpak_transcode_duration_seconds',
      help: "Time of one derived segment: the wait for a transcode slot, ffmpeg's encode and packaging",
      buckets: [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60],
      ...metric,
    }),
    transcodeQueueDepth: new client.Gauge({
      name: 'casterpak_transcode_queue_depth',
      help: 'Requests waiting for a transcode slot',
      ...metric,
      collect() {
        this.set(transcodes.queued);
      },
    }),
    transcodesActive: new client.Gauge({
      name: 'casterpak_transcodes_active',
      help: 'Transcodes in progress',
      ...metric,
      collect() {
        this.set(transcodes.active);
      },
    }),
    tokenRefusals: new client.Counter({
      name: 'casterpak_token_refusals_total',
      help: 'Requests refused for their signed-URL token (403), by reason',
      labelNames: ['reason'],
      ...metric,
    }),
    watchTranscodes: (limiter) => void (transcodes = limiter),
  };
}
