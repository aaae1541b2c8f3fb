// GET /: a small status page for people (the full page with a player comes with the e2e work).
import type { CacheLayout } from '../cache/layout.js';
import type { ServeMetrics } from './metrics.js';

export interface StatusPageInput {
  readonly layout: CacheLayout;
  readonly metrics: ServeMetrics;
  readonly startedAt: number;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function counter(metrics: ServeMetrics, name: 'cache' | 'packagingRuns'): Promise<Map<string, number>> {
  const values = (await metrics[name].get()).values;
  const out = new Map<string, number>();
  for (const v of values) {
    const label = String(Object.values(v.labels)[0] ?? '');
    out.set(label, (out.get(label) ?? 0) + v.value);
  }
  return out;
}

export async function statusPage(input: StatusPageInput): Promise<string> {
  const cache = await counter(input.metrics, 'cache');
  const runs = await counter(input.metrics, 'packagingRuns');
  const hits = cache.get('HIT') ?? 0;
  const total = [...cache.values()].reduce((a, b) => a + b, 0);
  const ratio = total > 0 ? `${((hits / total) * 100).toFixed(1)} %` : 'n/a';
  const packaged = [...runs.entries()].map(([k, v]) => `${escape(k)}: ${v}`).join(', ') || 'none';
  return `<!doctype html><html><head><meta charset="utf-8"><title>casterpak</title></head><body>
<h1>casterpak</h1>
<p>Cache <code>${escape(input.layout.root)}</code>; up since ${new Date(input.startedAt).toISOString()}.</p>
<p>Cache hit ratio: <b id="hit-ratio">${ratio}</b> (${total} lookups). Packaging runs: <span id="runs">${packaged}</span>.</p>
</body></html>
`;
}
