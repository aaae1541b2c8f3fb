// What a prune pass reports (JSON with --json, and the shape serve logs), and its text form.
import { formatBytes } from '../config/units.js';
import type { KeptItem, PruneKind, PruneReason, PruneWhat } from './plan.js';

export interface PruneIssue {
  readonly path: string;
  readonly message: string;
}

export interface PruneReportItem {
  readonly path: string;
  readonly kind: PruneKind;
  readonly bytes: number;
  readonly reason: PruneReason;
  readonly lastAccessMs: number;
}

export interface PruneReport {
  readonly cacheDir: string;
  /** False when the cache directory does not exist: nothing to do, not an error. */
  readonly cacheExists: boolean;
  /** The time ages were measured from (ms since the epoch). */
  readonly now: number;
  readonly what: PruneWhat;
  readonly olderThanMs: number;
  readonly maxSizeBytes: number | null;
  readonly dryRun: boolean;
  /** What went (in a dry run: what would go). Paths are relative to cacheDir. */
  readonly items: PruneReportItem[];
  readonly removed: number;
  readonly bytesFreed: number;
  /** Idle, but kept because their rendition is being packaged. */
  readonly kept: KeptItem[];
  /** Planned, but already gone when their turn came (serve, a packager or another prune). */
  readonly vanished: number;
  /** What could not be removed; any makes the command exit 1. */
  readonly errors: PruneIssue[];
  /** Things the scan could not read or limits it hit; reported, not failures. */
  readonly warnings: string[];
  readonly scanned: { readonly files: number; readonly truncated: boolean; readonly symlinks: number; readonly otherDevice: number };
  readonly cacheBytes: number;
  readonly cacheBytesAfter: number;
  readonly overBudget: boolean;
  readonly durationMs: number;
}

// Colours for a terminal; PLAIN everywhere else (pipes, cron mail, --json).
export interface TextStyle {
  readonly strong: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly bad: (text: string) => string;
}

const same = (text: string) => text;
export const PLAIN: TextStyle = { strong: same, dim: same, warn: same, bad: same };

const NAMES: Record<PruneKind, [string, string]> = {
  segment: ['segment', 'segments'],
  rendition: ['rendition', 'renditions'],
  source: ['source copy', 'source copies'],
  tmp: ['temporary leftover', 'temporary leftovers'],
  lock: ['stale lock', 'stale locks'],
  failed: ['expired failure marker', 'expired failure markers'],
  trash: ['trash entry', 'trash entries'],
};

const count = (n: number, [one, many]: readonly [string, string]) => `${n} ${n === 1 ? one : many}`;
const ITEMS: [string, string] = ['item', 'items'];

// "45 s", "12 min", "3 h 5 min", "8 d 2 h": how long something has been idle.
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.floor(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function elapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function breakdown(items: readonly PruneReportItem[]): string {
  const byKind = new Map<PruneKind, number>();
  for (const item of items) byKind.set(item.kind, (byKind.get(item.kind) ?? 0) + 1);
  return [...byKind].map(([kind, n]) => count(n, NAMES[kind])).join(', ');
}

function itemLine(item: PruneReportItem, now: number, style: TextStyle): string {
  const why = item.reason === 'idle' ? `idle ${formatAge(now - item.lastAccessMs)}` : item.reason;
  return `${style.dim('would remove')} ${item.kind.padEnd(9)} ${formatBytes(item.bytes).padStart(10)}  ${why.padEnd(16)} ${item.path}`;
}

const MAX_ERROR_LINES = 10;

// The command's text output: in a dry run one line per item, then the summary.
export function reportLines(report: PruneReport, style: TextStyle = PLAIN): string[] {
  if (!report.cacheExists) return [`nothing to prune: ${report.cacheDir} does not exist`];
  const lines: string[] = [];
  const total = report.items.reduce((sum, item) => sum + item.bytes, 0);
  const took = elapsed(report.durationMs);
  if (report.dryRun) {
    lines.push(...report.items.map((item) => itemLine(item, report.now, style)));
    lines.push(
      report.items.length === 0
        ? `dry run: nothing would be removed (${report.scanned.files} files scanned in ${took}, cache ${formatBytes(report.cacheBytes)})`
        : `dry run: would remove ${style.strong(`${count(report.items.length, ITEMS)} (${formatBytes(total)})`)}: ${breakdown(report.items)}; nothing was deleted`,
    );
  } else if (report.items.length === 0) {
    lines.push(`nothing to prune (${report.scanned.files} files scanned in ${took}, cache ${formatBytes(report.cacheBytes)})`);
  } else {
    lines.push(
      `removed ${style.strong(`${count(report.removed, ITEMS)} (${formatBytes(report.bytesFreed)})`)} in ${took}: ${breakdown(report.items)}; cache now ${formatBytes(report.cacheBytesAfter)}`,
    );
  }
  const keptRenditions = report.kept.filter((k) => k.kind === 'rendition').length;
  const keptSources = report.kept.length - keptRenditions;
  if (report.kept.length > 0) {
    const what = [
      keptRenditions > 0 ? count(keptRenditions, ['rendition', 'renditions']) : '',
      keptSources > 0 ? count(keptSources, NAMES.source) : '',
    ];
    lines.push(`kept ${what.filter(Boolean).join(' and ')} being packaged`);
  }
  if (report.vanished > 0) lines.push(`${report.vanished} already gone (removed meanwhile by serve, a packager or another prune)`);
  if (report.overBudget && report.maxSizeBytes !== null) {
    lines.push(
      style.warn(
        `still above --max-size ${formatBytes(report.maxSizeBytes)}: ${formatBytes(report.cacheBytesAfter)} (nothing else may go with --what ${report.what})`,
      ),
    );
  }
  for (const warning of report.warnings) lines.push(style.warn(`warning: ${warning}`));
  for (const error of report.errors.slice(0, MAX_ERROR_LINES)) lines.push(style.bad(`could not remove ${error.path}: ${error.message}`));
  if (report.errors.length > MAX_ERROR_LINES) lines.push(style.bad(`… and ${report.errors.length - MAX_ERROR_LINES} more`));
  return lines;
}
