// A Logger that keeps every line, for tests that check what an operator is told.
import type { Logger } from '../../src/lib/shared/logger.js';

interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export function recordingLogger(): Logger & { readonly lines: LogLine[]; warnings(): LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, message, fields });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    warnings: () => lines.filter((l) => l.level === 'warn'),
  };
}
