// Structured logs: one JSON object per line (for log shippers), or a short human line when
// stderr is a terminal.
type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(
  level: LogLevel,
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  base: Record<string, unknown> = {},
): Logger {
  const human = Boolean(stream.isTTY);
  const write = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const time = new Date().toISOString();
    if (human) {
      const extra = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      stream.write(`${time.slice(11, 23)} ${lvl.toUpperCase().padEnd(5)} ${message}${extra ? ` ${extra}` : ''}\n`);
    } else {
      stream.write(`${JSON.stringify({ time, level: lvl, msg: message, ...base, ...fields })}\n`);
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
