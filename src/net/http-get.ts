// The one way casterpak GETs from an upstream: built-in fetch with redirects followed by hand,
// each hop checked by the caller's rule (no host the configuration did not name is contacted),
// under one time limit for the whole exchange that also follows the caller's cancel signal.
import { CasterpakError } from '../shared/errors.js';
import { VERSION } from '../shared/version.js';

export const MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

export interface Deadline {
  readonly signal: AbortSignal;
  /** true once the time limit (not the caller) aborted the exchange */
  timedOut(): boolean;
  /** stops the timer and detaches from the caller's signal */
  done(): void;
}

export function deadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  parent?.addEventListener('abort', onAbort, { once: true });
  if (parent?.aborted) controller.abort();
  return {
    signal: controller.signal,
    timedOut: () => expired,
    done: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

export interface GetOptions {
  readonly signal: AbortSignal;
  /** throws when `next` (the first URL or a redirect target) may not be fetched */
  readonly allow: (next: URL) => void;
  /** @default MAX_REDIRECTS */ readonly maxRedirects?: number;
  readonly accept?: string;
}

// Returns the first non-redirect response and the URL that gave it; its body is the caller's.
export async function getFollowingRedirects(url: URL, options: GetOptions): Promise<{ response: Response; url: URL }> {
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  let current = url;
  options.allow(current);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'user-agent': `casterpak/${VERSION}` };
    if (options.accept) headers.accept = options.accept;
    const response = await fetch(current, { redirect: 'manual', signal: options.signal, headers });
    if (!REDIRECT.has(response.status)) return { response, url: current };
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location) throw new CasterpakError('UPSTREAM', `${current.href}: redirect (${response.status}) without a Location`);
    if (hop >= maxRedirects) throw new CasterpakError('UPSTREAM', `${url.href}: more than ${maxRedirects} redirects`);
    current = new URL(location, current);
    options.allow(current);
  }
}

// The rule for sources and segments: the requested origin only.
export function sameOrigin(first: URL): (next: URL) => void {
  return (next) => {
    if (next.origin !== first.origin) throw new CasterpakError('FORBIDDEN_HOST', `${first.href}: redirected to another host (${next.origin}); refused`);
  };
}

// A network failure as one line (the cause's code, e.g. ECONNREFUSED, when there is one).
export function networkError(url: URL, error: unknown): CasterpakError {
  if (error instanceof CasterpakError) return error;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (reason === 'ENOSPC') return new CasterpakError('NO_SPACE', `no space left while fetching ${url.href}`, { cause: error });
  return new CasterpakError('UPSTREAM', `${url.href}: cannot fetch (${reason})`, { cause: error });
}
