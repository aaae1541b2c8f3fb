// --require-token (docs/security.md): requests under /i/ and /hls/ need a valid EdgeAuth token,
// from the query (`hdnts=`) or the `hdnts` cookie. A refusal is a 403 with its reason, counted
// by reason, and logged once per client address (a player retrying would fill the log). An
// admitted playlist answer carries the token into its URIs (carry-token.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter } from 'prom-client';
import { warnOncePerKey } from '../../shared/warn-once.js';
import type { Logger } from '../../shared/logger.js';
import type { Route } from '../request-path.js';
import { PLAYLIST_TYPE, ROUTE_TABLE } from '../routes.js';
import { carryToken, TOKEN_PARAM } from './carry-token.js';
import { parseTokenKeys, verifyToken } from './edge-auth.js';
import { CasterpakError } from '../../shared/errors.js';
import { rewriteWholeBody } from '../http/rewrite-body.js';

// The routes of /i/ (audio and subtitle renditions and keys included), /hls/ and proxied
// masters (/p/); /healthz, /metrics and the status page are not gated.
const GATED = new Set<Route['kind']>([
  'index',
  'segment',
  'audio-index',
  'audio-segment',
  'subtitle-index',
  'subtitle-segment',
  'key',
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
  'master-proxy',
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
        if (playlist) rewriteWholeBody(req, res, (text) => carryToken(text, token!, options.ownOrigins));
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
