// Human units used by flags and configuration: durations (90s, 30m, 2h, 7d) and sizes (500M, 50G).

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

// Returns milliseconds, or null when the text is not a duration. A bare number is seconds.
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!match) return null;
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(Number(match[1]) * DURATION_UNITS[unit]);
}

// Milliseconds, or null unless the text is a number with its unit (30m, 2h, 7d): for values
// whose typo is costly (prune's age, where a bare `2` once meant two seconds).
export function parseDurationWithUnit(text: string): number | null {
  return /^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)\s*$/i.test(text) ? parseDuration(text) : null;
}

// Milliseconds of a duration a check has accepted (durationWithUnit in checks.ts).
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new RangeError(`not a duration: ${text}`);
  return ms;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

// Returns bytes, or null when the text is not a size. Units are binary (50G = 50 GiB).
export function parseSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) return null;
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()]);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
