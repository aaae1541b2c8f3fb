// Typed errors: commands and the server throw these; only the CLI entry and the HTTP
// layer turn them into exit codes and statuses (see `httpStatusFor`).

export type ErrorCode =
  | 'CONFIG' // bad configuration or flag
  | 'USAGE' // bad command-line use
  | 'NOT_FOUND' // missing file, source or route
  | 'BAD_PATH' // request path rejected by validation
  | 'BAD_MEDIA' // not an MP4, truncated, no moov, unusable
  | 'UNSUPPORTED_MEDIA' // an MP4 whose codecs Bento4 cannot put in MPEG-TS
  | 'BAD_PLAYLIST' // a playlist that does not parse or is the wrong kind
  | 'BAD_TS' // MPEG-TS that is not
  | 'TOOL' // Bento4 failed in a way that says nothing about the input
  | 'TOOL_MISSING' // no usable Bento4
  | 'TIMEOUT' // a child process or a job ran past its limit
  | 'UPSTREAM' // an upstream answered badly (status, body, size)
  | 'UPSTREAM_TIMEOUT' // an upstream did not answer in time
  | 'FORBIDDEN_HOST' // a URL outside the configured hosts
  | 'OVERLOADED' // the packaging queue is full
  | 'NO_SPACE' // the cache's file system is full
  | 'CANCELLED' // shut down while running
  | 'FAILED'; // some items of a batch failed (each was reported on its own)

export class CasterpakError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, 'name', { value: 'CasterpakError', enumerable: false });
  }
}

// A Bento4 (or other child process) failure keeps what a person needs to debug it.
export class ToolError extends CasterpakError {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stderrTail: string;
  constructor(code: ErrorCode, message: string, details: { exitCode?: number; signal?: string; stderrTail?: string; cause?: unknown }) {
    super(code, message, { cause: details.cause });
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail ?? '';
  }
}

// A tool killed by someone else (the OOM killer, an operator, a shutdown): says nothing about
// its input. Our own time limit kills with SIGKILL too, but that is a TIMEOUT, not a TOOL failure.
const OUTSIDE_SIGNALS = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP']);
export function killedFromOutside(error: unknown): boolean {
  return error instanceof ToolError && error.code === 'TOOL' && OUTSIDE_SIGNALS.has(error.signal ?? '');
}

export function isCasterpakError(error: unknown): error is CasterpakError {
  return error instanceof CasterpakError;
}

// Bad media is the client's problem (4xx, never 5xx): the same request will fail the same way.
const STATUS: Record<ErrorCode, number> = {
  CONFIG: 500,
  USAGE: 400,
  NOT_FOUND: 404,
  BAD_PATH: 400,
  BAD_MEDIA: 422,
  UNSUPPORTED_MEDIA: 415,
  BAD_PLAYLIST: 502,
  BAD_TS: 422,
  TOOL: 500,
  TOOL_MISSING: 500,
  TIMEOUT: 504,
  UPSTREAM: 502,
  UPSTREAM_TIMEOUT: 504,
  FORBIDDEN_HOST: 403,
  OVERLOADED: 503,
  NO_SPACE: 507,
  CANCELLED: 503,
  FAILED: 500,
};

export function httpStatusFor(error: unknown): number {
  return isCasterpakError(error) ? STATUS[error.code] : 500;
}

// One line, no stack: what the CLI prints and what an HTTP error body says.
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim();
}
