// Headers every response carries (CORS, the request id), set once per request by the handler
// and written by whoever writes the response head. Node's res.setHeader would do the same, but
// a head written after setHeader goes through setHeader again for each of its own headers: on
// the warm path that is a measurable part of a 2 KB answer (docs/benchmarks.md).
import type { ServerResponse } from 'node:http';

const common = new WeakMap<ServerResponse, Readonly<Record<string, string>>>();

export function setCommonHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  common.set(res, headers);
}

// `headers` with the response's common headers added (they win: they are the origin's).
export function withCommonHeaders<T extends Record<string, string | number>>(res: ServerResponse, headers: T): T {
  const extra = common.get(res);
  if (extra) for (const name in extra) (headers as Record<string, string | number>)[name] = extra[name];
  return headers;
}
