import { describe, expect, it } from 'vitest';
import { formatAge, reportLines, type PruneReport, type TextStyle } from '../../../src/lib/prune/report.js';

const NOW = 1_700_000_000_000;

function report(extra: Partial<PruneReport> = {}): PruneReport {
  return {
    cacheDir: '/var/cache/casterpak',
    cacheExists: true,
    now: NOW,
    what: 'segments',
    olderThanMs: 7_200_000,
    maxSizeBytes: null,
    dryRun: false,
    items: [],
    removed: 0,
    bytesFreed: 0,
    kept: [],
    vanished: 0,
    errors: [],
    warnings: [],
    scanned: { files: 1234, truncated: false, symlinks: 0, otherDevice: 0 },
    cacheBytes: 5 * 1024 ** 2,
    cacheBytesAfter: 5 * 1024 ** 2,
    overBudget: false,
    durationMs: 412.3,
    ...extra,
  };
}

const segment = (n: number, ageMs: number) => ({
  path: `a.mp4/segment${n}_0_av.ts`,
  kind: 'segment' as const,
  bytes: 1024,
  reason: 'idle' as const,
  lastAccessMs: NOW - ageMs,
});

describe('formatAge', () => {
  it('says how long in the largest sensible units', () => {
    expect([45_000, 12 * 60_000, 3 * 3_600_000 + 5 * 60_000, 8 * 86_400_000 + 2 * 3_600_000, -5].map(formatAge)).toEqual([
      '45 s',
      '12 min',
      '3 h 5 min',
      '8 d 2 h',
      '0 s',
    ]);
  });
});

describe('reportLines', () => {
  it('summarises a pass: items, bytes freed, time taken, what kinds', () => {
    const lines = reportLines(
      report({ items: [segment(1, 3 * 3_600_000), segment(2, 3 * 3_600_000)], removed: 2, bytesFreed: 2048, cacheBytesAfter: 1024 }),
    );
    expect(lines).toEqual(['removed 2 items (2.0 KiB) in 412 ms: 2 segments; cache now 1.0 KiB']);
  });

  it('lists every item of a dry run, then says nothing was deleted', () => {
    const lines = reportLines(report({ dryRun: true, items: [segment(1, 3 * 3_600_000 + 60_000)] }));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^would remove segment +1\.0 KiB +idle 3 h 1 min +a\.mp4\/segment1_0_av\.ts$/);
    expect(lines[1]).toBe('dry run: would remove 1 item (1.0 KiB): 1 segment; nothing was deleted');
  });

  it('says when there was nothing to do, or no cache directory at all', () => {
    expect(reportLines(report())).toEqual(['nothing to prune (1234 files scanned in 412 ms, cache 5.0 MiB)']);
    expect(reportLines(report({ cacheExists: false }))).toEqual(['nothing to prune: /var/cache/casterpak does not exist']);
  });

  it('adds kept renditions, races, budget, warnings and errors, styled', () => {
    const style: TextStyle = { strong: (t) => `*${t}*`, dim: (t) => t, warn: (t) => `!${t}`, bad: (t) => `#${t}` };
    const lines = reportLines(
      report({
        items: [segment(1, 1)],
        removed: 1,
        bytesFreed: 1024,
        kept: [{ path: 'b.mp4', kind: 'rendition', reason: 'packaging' }],
        vanished: 2,
        maxSizeBytes: 1024,
        overBudget: true,
        warnings: ['cannot read x: EACCES'],
        errors: Array.from({ length: 12 }, (_, i) => ({ path: `p${i}`, message: 'EBUSY' })),
      }),
      style,
    );
    expect(lines[0]).toContain('*1 item (1.0 KiB)*');
    expect(lines.slice(1, 5)).toEqual([
      'kept 1 rendition being packaged',
      '2 already gone (removed meanwhile by serve, a packager or another prune)',
      '!still above --max-size 1.0 KiB: 5.0 MiB (nothing else may go with --what segments)',
      '!warning: cannot read x: EACCES',
    ]);
    expect(lines.filter((l) => l.startsWith('#could not remove'))).toHaveLength(10);
    expect(lines.at(-1)).toBe('#… and 2 more');
  });
});
