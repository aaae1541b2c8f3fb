// --require-token (docs/security.md): requests under /i/ and /hls/ need a valid EdgeAuth token,
// from the query (`hdnts=`) or the `hdnts` cookie. A refusal is a 403 with its reason, counted
// by reason, and logged once per client address (a player retrying would fill the log). An
// admitted playlist answer carries the token into its URIs (carry-token.ts).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Counter } from 'prom-client';
import { warnOncePerKey } from '../../shared/warn-once.js';
import type { Logger } from '../../shared/logger.js';
import type { Route } from '../request-path.js';
import { PLAYLIST_TYPE, ROUTE_TABLE } from '../routes.js';
import { carryToken, TOKEN_PARAM } from './carry-token.js';
import { parseTokenKeys, verifyToken } from './edge-auth.js';
import { CasterpakError } from '../../shared/errors.js';

// The routes of /i/ and /hls/; /healthz, /metrics, the status page and /p/ are not gated.
const GATED = new Set<Route['kind']>([
  'index',
  'segment',
  'kfonly',
  'master',
  'csmil',
  'published',
  'published-kfonly',
  'fmp4-master',
  'fmp4-index',
  'fmp4-kfonly',
  'fmp4-init',
  'fmp4-segment',
  'dash',
  'dash-csmil',
]);

interface TokenGateOptions {
  readonly keys: readonly Buffer[];
  readonly logger: Logger;
  readonly refusals: Counter<'reason'>;
  /** Absolute URIs on these origins get the token too (serve.publicBaseUrl). */
  readonly ownOrigins: readonly string[];
  /** @default Date.now */ readonly now?: () => number;
}

// The token's value from the query or the cookie; null when there is none.
function tokenOf(req: IncomingMessage, query: string): string | null {
  const fromQuery = new URLSearchParams(query).get(TOKEN_PARAM);
  if (fromQuery) return fromQuery;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_PARAM) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

// Holds a playlist answer back until it is complete, then sends it with the token in its URIs
// (and its Content-Length recomputed). Only whole 200 answers are rewritten: Range is dropped
// from the request, so a part of a playlist is never rewritten alone.
function rewritePlaylist(req: IncomingMessage, res: ServerResponse, token: string, ownOrigins: readonly string[]): void {
  delete req.headers.range;
  const chunks: Buffer[] = [];
  let head: { status: number; headers: OutgoingHttpHeaders } | null = null;
  const [writeHead, end] = [res.writeHead.bind(res), res.end.bind(res)];
  const collect = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.find((arg) => typeof arg === 'object' && arg !== null && !Array.isArray(arg)) as OutgoingHttpHeaders | undefined;
    head = { status, headers: headers ?? {} };
    return res;
  }) as ServerResponse['writeHead'];
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    collect(chunk);
    (rest.find((arg) => typeof arg === 'function') as (() => void) | undefined)?.();
    return true;
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') collect(chunk);
    const done = [chunk, ...rest].find((arg) => typeof arg === 'function') as (() => void) | undefined;
    const status = head?.status ?? res.statusCode;
    const headers = { ...(head?.headers ?? {}) };
    let body = Buffer.concat(chunks);
    if (status === 200 && req.method !== 'HEAD') {
      body = Buffer.from(carryToken(body.toString('utf8'), token, ownOrigins), 'utf8');
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-length') delete headers[name];
      if (res.hasHeader('content-length')) res.removeHeader('content-length');
      headers['Content-Length'] = String(body.length);
    }
    writeHead(status, headers);
    return end(req.method === 'HEAD' ? undefined : body, done);
  }) as ServerResponse['end'];
}

export interface TokenGate {
  /** null: admitted (a playlist answer then carries the token); else why it is refused (403). */
  admit(req: IncomingMessage, res: ServerResponse, route: Route, rawPath: string, query: string): string | null;
}

function createTokenGate(options: TokenGateOptions): TokenGate {
  const warn = warnOncePerKey(options.logger, 10_000);
  const now = options.now ?? Date.now;
  return {
    admit(req, res, route, rawPath, query) {
      if (!GATED.has(route.kind)) return null;
      const token = tokenOf(req, query);
      const verdict =
        token === null ? ({ ok: false, reason: 'no token' } as const) : verifyToken(token, rawPath, options.keys, Math.floor(now() / 1000));
      if (verdict.ok) {
        const playlist = ROUTE_TABLE[route.kind].contentType === PLAYLIST_TYPE || rawPath.endsWith('.m3u8');
        if (playlist) rewritePlaylist(req, res, token!, options.ownOrigins);
        return null;
      }
      options.refusals.inc({ reason: verdict.reason });
      const client = req.socket.remoteAddress ?? 'unknown';
      warn(client, 'token refused', { client, reason: verdict.reason, path: rawPath.slice(0, 300) });
      return `token ${verdict.reason}`;
    },
  };
}

// The gate serve's configuration asks for, if any: --require-token without a key is a CONFIG
// error at start-up, not an origin that refuses everything.
export function tokenGateFor(
  serve: { readonly requireToken: boolean; readonly tokenSecret: string | null },
  publicBaseUrl: string | null,
  logger: Logger,
  refusals: Counter<'reason'>,
): TokenGate | undefined {
  if (!serve.requireToken) return undefined;
  if (serve.tokenSecret === null)
    throw new CasterpakError('CONFIG', '--require-token needs CASTERPAK_TOKEN_SECRET (hex keys, comma-separated)');
  const ownOrigins = publicBaseUrl === null ? [] : [new URL(publicBaseUrl).origin];
  return createTokenGate({ keys: parseTokenKeys(serve.tokenSecret), logger, refusals, ownOrigins });
}
