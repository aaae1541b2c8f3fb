// What serve says once it listens: where, which roots, which cache, how many workers, and the
// status page. A sentence on a terminal; one structured log line otherwise (log shippers).
import type { CasterpakConfig } from '../config/schema.js';

interface StartupFacts {
  readonly url: string;
  readonly statusPage: string;
  readonly sourceRoot: string | null;
  readonly upstream: string | null;
  readonly publishedRoot: string | null;
  readonly cacheDir: string;
  readonly workers: number;
  readonly accessLog: boolean;
}

// An address as a URL host: IPv6 literals in brackets (RFC 3986 section 3.2.2).
export function listenUrl(address: { readonly address: string; readonly port: number }): string {
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export function startupFacts(config: CasterpakConfig, address: { readonly address: string; readonly port: number }): StartupFacts {
  const url = listenUrl(address);
  return {
    url,
    statusPage: `${url}/`,
    sourceRoot: config.sourceRoot,
    upstream: config.upstream,
    publishedRoot: config.publishedRoot,
    cacheDir: config.cacheDir,
    workers: config.serve.workers,
    accessLog: config.serve.accessLog,
  };
}

export function startupLine(facts: StartupFacts): string {
  const library = [
    facts.sourceRoot !== null ? `source root ${facts.sourceRoot}` : null,
    facts.upstream !== null ? `upstream ${facts.upstream}` : null,
    facts.publishedRoot !== null ? `published root ${facts.publishedRoot}` : null,
  ].filter((part) => part !== null);
  const sources = library.length > 0 ? library.join(', ') : 'no source root or upstream (only what is cached is served)';
  const workers = `${facts.workers} worker${facts.workers === 1 ? '' : 's'}`;
  return `casterpak serve listening on ${facts.url} (${workers}); ${sources}; cache ${facts.cacheDir}; access log ${facts.accessLog ? 'on' : 'off'}; status page ${facts.statusPage}`;
}
