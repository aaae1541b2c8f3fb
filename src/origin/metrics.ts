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
}

export function createMetrics(): ServeMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'casterpak_' });
  const metric = { registers: [registry] };
  return {
    registry,
    requests: new client.Counter({ name: 'casterpak_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], ...metric }),
    cache: new client.Counter({ name: 'casterpak_cache_requests_total', help: 'Rendition lookups by result (HIT, MISS, WAIT)', labelNames: ['result'], ...metric }),
    packagingRuns: new client.Counter({
      name: 'casterpak_packaging_runs_total',
      help: 'Packaging runs by what they made (playlist from the moov, segment alone, whole-file rendition) and outcome',
      labelNames: ['outcome', 'what'],
      ...metric,
    }),
    wholeFileRuns: new client.Counter({ name: 'casterpak_whole_file_fallbacks_total', help: 'Sources packaged whole-file because their segments could not be made alone', ...metric }),
    sourceBytes: new client.Counter({ name: 'casterpak_source_bytes_read_total', help: 'Bytes read from sources (local or remote) by packaging', ...metric }),
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
  };
}
