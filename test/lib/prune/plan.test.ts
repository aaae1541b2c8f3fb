import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renditionKey } from '../../../src/lib/cache/names.js';
import type { CacheEntry, RenditionEntry, RenditionFile } from '../../../src/lib/cache/entries.js';
import { busyKeys, isIdle, planPrune, type PrunePolicy, type PruneWhat } from '../../../src/lib/prune/plan.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const AGE = 2 * HOUR;
const TMP_MAX = 600_000;

function policy(what: PruneWhat, extra: Partial<PrunePolicy> = {}): PrunePolicy {
  return { what, olderThanMs: AGE, maxSizeBytes: null, now: NOW, tmpMaxAgeMs: TMP_MAX, ...extra };
}

// A rendition whose playlist and info were written at `made`, with one segment per age given.
function rendition(
  path: string,
  segmentAges: number[],
  options: { made?: number; bytes?: number; files?: RenditionFile[] } = {},
): RenditionEntry {
  const made = options.made ?? NOW - 10 * HOUR;
  const bytes = options.bytes ?? 1000;
  return {
    kind: 'rendition',
    path,
    foreign: 0,
    files: [
      { name: 'index_0_av.m3u8', role: 'playlist', bytes: 100, mtimeMs: made },
      { name: '.rendition.json', role: 'info', bytes: 10, mtimeMs: made },
      ...segmentAges.map((age, i) => ({ name: `segment${i + 1}_0_av.ts`, role: 'segment' as const, bytes, mtimeMs: NOW - age })),
      ...(options.files ?? []),
    ],
  };
}

const paths = (entries: readonly { path: string }[]) => entries.map((e) => e.path);

describe('isIdle: the age boundary', () => {
  it('keeps what is idle exactly olderThanMs and removes one millisecond more', () => {
    expect(isIdle(NOW - AGE, { now: NOW, olderThanMs: AGE })).toBe(false);
    expect(isIdle(NOW - AGE - 1, { now: NOW, olderThanMs: AGE })).toBe(true);
    expect(isIdle(NOW - AGE + 1, { now: NOW, olderThanMs: AGE })).toBe(false);
  });

  it('never removes a file from the future (clock skew) and with --older-than 0 removes anything older than now', () => {
    expect(isIdle(NOW + 5_000, { now: NOW, olderThanMs: 0 })).toBe(false);
    expect(isIdle(NOW, { now: NOW, olderThanMs: 0 })).toBe(false);
    expect(isIdle(NOW - 1, { now: NOW, olderThanMs: 0 })).toBe(true);
  });
});

describe('planPrune --what segments', () => {
  it('removes the segments idle longer than the age, exactly at the boundary they stay, and playlists always stay', () => {
    const entry = rendition('2022/04/x.mp4', [AGE + 1, AGE, AGE - 1, 3 * HOUR]);
    const plan = planPrune([entry], policy('segments'));
    expect(paths(plan.items)).toEqual(['2022/04/x.mp4/segment1_0_av.ts', '2022/04/x.mp4/segment4_0_av.ts']);
    expect(plan.items.every((i) => i.kind === 'segment' && i.reason === 'idle' && i.key === renditionKey('2022/04/x.mp4'))).toBe(true);
    expect(plan.bytes).toBe(2000);
    expect(plan.cacheBytes).toBe(4110);
    expect(plan.cacheBytesAfter).toBe(2110);
    expect(plan.overBudget).toBe(false);
  });

  it('leaves sources alone and does not remove a whole rendition', () => {
    const entries: CacheEntry[] = [
      rendition('a.mp4', [5 * HOUR]),
      { kind: 'source', path: '.sources/a.mp4', renditionPath: 'a.mp4', bytes: 5000, mtimeMs: NOW - 9 * HOUR },
    ];
    expect(paths(planPrune(entries, policy('segments')).items)).toEqual(['a.mp4/segment1_0_av.ts']);
  });

  it('reports the idle time of each item as lastAccessMs', () => {
    const plan = planPrune([rendition('a.mp4', [3 * HOUR])], policy('segments'));
    expect(plan.items[0]!.lastAccessMs).toBe(NOW - 3 * HOUR);
  });
});

describe('planPrune --what renditions', () => {
  it('removes a whole rendition only when its newest file is idle longer than the age', () => {
    const old = rendition('old.mp4', [5 * HOUR, 4 * HOUR]);
    const boundary = rendition('edge.mp4', [AGE, 5 * HOUR], { made: NOW - 9 * HOUR });
    const playlistServed = rendition('served.mp4', [5 * HOUR], { made: NOW - 60_000 });
    const plan = planPrune([old, boundary, playlistServed], policy('renditions'));
    expect(plan.items).toEqual([
      { path: 'old.mp4', kind: 'rendition', bytes: 2110, reason: 'idle', lastAccessMs: NOW - 4 * HOUR, key: renditionKey('old.mp4') },
    ]);
  });

  it('counts the kfonly playlist as an access to the rendition', () => {
    const entry = rendition('k.mp4', [5 * HOUR], {
      files: [{ name: 'kfonly/index_0_av.m3u8', role: 'kfonly', bytes: 50, mtimeMs: NOW - HOUR }],
    });
    expect(planPrune([entry], policy('renditions')).items).toEqual([]);
    expect(paths(planPrune([entry], policy('renditions', { now: NOW + 2 * HOUR })).items)).toEqual(['k.mp4']);
  });

  it('does not remove single segments of a rendition that stays', () => {
    expect(planPrune([rendition('a.mp4', [5 * HOUR], { made: NOW })], policy('renditions')).items).toEqual([]);
  });
});

describe('planPrune --what sources and all', () => {
  const entries: CacheEntry[] = [
    rendition('idle.mp4', [5 * HOUR]),
    rendition('live.mp4', [5 * HOUR, 60_000], { made: NOW - 60_000 }),
    { kind: 'source', path: '.sources/idle.mp4', renditionPath: 'idle.mp4', bytes: 5000, mtimeMs: NOW - AGE - 1 },
    { kind: 'source', path: '.sources/live.mp4', renditionPath: 'live.mp4', bytes: 5000, mtimeMs: NOW - AGE },
  ];

  it('sources: removes source copies idle longer than the age (the boundary stays) and nothing else', () => {
    expect(paths(planPrune(entries, policy('sources')).items)).toEqual(['.sources/idle.mp4']);
  });

  it('all: whole idle renditions, idle segments of the others, idle sources', () => {
    expect(paths(planPrune(entries, policy('all')).items)).toEqual(['idle.mp4', 'live.mp4/segment1_0_av.ts', '.sources/idle.mp4']);
  });
});

describe('planPrune: renditions being packaged are kept', () => {
  const key = renditionKey('busy.mp4');
  const busy = rendition('busy.mp4', [5 * HOUR]);
  const source: CacheEntry = { kind: 'source', path: '.sources/busy.mp4', renditionPath: 'busy.mp4', bytes: 10, mtimeMs: NOW - 5 * HOUR };

  it('a lock that is not stale keeps the rendition, its segments and its source, and says so', () => {
    const lock: CacheEntry = { kind: 'lock', path: `.locks/${key}.lock`, key, stale: false, bytes: 60, mtimeMs: NOW - 1000 };
    for (const what of ['segments', 'renditions', 'sources', 'all'] as const) {
      const plan = planPrune([busy, source, lock], policy(what, { maxSizeBytes: 0 }));
      expect(plan.items, what).toEqual([]);
    }
    expect(planPrune([busy, source, lock], policy('all')).kept).toEqual([
      { path: 'busy.mp4', kind: 'rendition', reason: 'packaging' },
      { path: '.sources/busy.mp4', kind: 'source', reason: 'packaging' },
    ]);
  });

  it('a stale lock protects nothing and is swept', () => {
    const lock: CacheEntry = { kind: 'lock', path: `.locks/${key}.lock`, key, stale: true, bytes: 60, mtimeMs: NOW - HOUR };
    const plan = planPrune([busy, lock], policy('renditions'));
    expect(plan.items.map((i) => [i.path, i.kind, i.reason])).toEqual([
      [`.locks/${key}.lock`, 'lock', 'stale'],
      ['busy.mp4', 'rendition', 'idle'],
    ]);
  });

  it('a run directory keeps its rendition until it is older than tmpMaxAgeMs, then it is swept and protects nothing', () => {
    const run = (age: number): CacheEntry => ({ kind: 'tmp', path: `.tmp/${key}.host.1.0123abcd`, key, bytes: 7, mtimeMs: NOW - age });
    const young = planPrune([busy, run(TMP_MAX)], policy('renditions'));
    expect(young.items).toEqual([]);
    expect(young.kept).toEqual([{ path: 'busy.mp4', kind: 'rendition', reason: 'packaging' }]);
    const old = planPrune([busy, run(TMP_MAX + 1)], policy('renditions'));
    expect(old.items.map((i) => [i.path, i.reason])).toEqual([
      [`.tmp/${key}.host.1.0123abcd`, 'stale'],
      ['busy.mp4', 'idle'],
    ]);
  });

  it('a lock or run directory of another rendition protects nothing here', () => {
    const other = renditionKey('other.mp4');
    const lock: CacheEntry = { kind: 'lock', path: `.locks/${other}.lock`, key: other, stale: false, bytes: 60, mtimeMs: NOW };
    expect(paths(planPrune([busy, lock], policy('renditions')).items)).toEqual(['busy.mp4']);
  });
});

describe('planPrune: leftovers are swept in every mode', () => {
  it('partial files, atomic-write temp files, failure markers and .trash', () => {
    const entries: CacheEntry[] = [
      { kind: 'tmp', path: '.sources/a.mp4.part-12-0123abcd', key: null, bytes: 5, mtimeMs: NOW - TMP_MAX - 1 },
      { kind: 'tmp', path: '.sources/b.mp4.part-12-0123abcd', key: null, bytes: 5, mtimeMs: NOW - TMP_MAX },
      rendition('r.mp4', [], {
        made: NOW,
        files: [
          { name: 'kfonly/.index_0_av.m3u8.tmp-9-0123abcd', role: 'temp', bytes: 3, mtimeMs: NOW - TMP_MAX - 1 },
          { name: '.index_0_av.m3u8.tmp-9-abcdef01', role: 'temp', bytes: 3, mtimeMs: NOW - 1000 },
        ],
      }),
      { kind: 'failed', path: '.locks/x.failed', untilMs: NOW - 1, bytes: 40, mtimeMs: NOW - 1000 },
      { kind: 'failed', path: '.locks/y.failed', untilMs: NOW, bytes: 40, mtimeMs: NOW - 10 * HOUR },
      { kind: 'failed', path: '.locks/z.failed', untilMs: null, bytes: 40, mtimeMs: NOW - TMP_MAX - 1 },
      { kind: 'trash', path: '.trash/q.mp4.abcdef', bytes: 900, mtimeMs: NOW },
    ];
    for (const what of ['segments', 'renditions', 'sources', 'all'] as const) {
      expect(
        planPrune(entries, policy(what)).items.map((i) => [i.path, i.kind, i.reason]),
        what,
      ).toEqual([
        ['.sources/a.mp4.part-12-0123abcd', 'tmp', 'stale'],
        ['r.mp4/kfonly/.index_0_av.m3u8.tmp-9-0123abcd', 'tmp', 'stale'],
        ['.locks/x.failed', 'failed', 'stale'],
        ['.locks/z.failed', 'failed', 'stale'],
        ['.trash/q.mp4.abcdef', 'trash', 'trash'],
      ]);
    }
  });
});

describe('planPrune --max-size', () => {
  const MB = 1_000_000;
  const byAge = (ages: number[]) => ages.map((age, i) => rendition(`r${i}.mp4`, [age], { made: NOW - age, bytes: MB }));

  it('removes the least recently accessed segments first until the cache fits', () => {
    const entries = byAge([10 * 60_000, 30 * 60_000, 20 * 60_000, 40 * 60_000]); // each 1 MB + 110 B, all younger than the age
    const plan = planPrune(entries, policy('segments', { maxSizeBytes: 2 * MB + 1000 }));
    expect(paths(plan.items)).toEqual(['r3.mp4/segment1_0_av.ts', 'r1.mp4/segment1_0_av.ts']);
    expect(plan.items.every((i) => i.reason === 'max-size')).toBe(true);
    expect(plan.cacheBytesAfter).toBeLessThanOrEqual(2 * MB + 1000);
    expect(plan.overBudget).toBe(false);
  });

  it('counts what the age rule removed before choosing more', () => {
    const entries = byAge([3 * HOUR, 30 * 60_000, 20 * 60_000]);
    const plan = planPrune(entries, policy('segments', { maxSizeBytes: 2 * MB }));
    expect(plan.items.map((i) => [i.path, i.reason])).toEqual([
      ['r0.mp4/segment1_0_av.ts', 'idle'],
      ['r1.mp4/segment1_0_av.ts', 'max-size'],
    ]);
  });

  it('removes nothing more when the cache already fits (exactly the budget fits)', () => {
    const entries = byAge([10 * 60_000, 20 * 60_000]);
    expect(planPrune(entries, policy('segments', { maxSizeBytes: 2 * MB + 220 })).items).toEqual([]);
    expect(planPrune(entries, policy('segments', { maxSizeBytes: 2 * MB + 219 })).items).toHaveLength(1);
  });

  it('renditions: whole renditions by newest access; says when even removing all cannot fit', () => {
    const entries = byAge([10 * 60_000, 30 * 60_000, 20 * 60_000]);
    const plan = planPrune(entries, policy('renditions', { maxSizeBytes: MB + 500 }));
    expect(paths(plan.items)).toEqual(['r1.mp4', 'r2.mp4']);
    const impossible = planPrune(entries, policy('segments', { maxSizeBytes: 100 }));
    expect(impossible.items).toHaveLength(3);
    expect(impossible.overBudget).toBe(true);
    expect(impossible.cacheBytesAfter).toBe(330);
  });

  it('all: segments go before their rendition; a rendition that goes whole absorbs its planned segments', () => {
    const entry = rendition('a.mp4', [50 * 60_000, 40 * 60_000], { made: NOW - 30 * 60_000, bytes: MB });
    const plan = planPrune([entry], policy('all', { maxSizeBytes: 50 }));
    expect(plan.items).toEqual([
      {
        path: 'a.mp4',
        kind: 'rendition',
        bytes: 2 * MB + 110,
        reason: 'max-size',
        lastAccessMs: NOW - 30 * 60_000,
        key: renditionKey('a.mp4'),
      },
    ]);
    expect(plan.bytes).toBe(plan.cacheBytes);
    const partial = planPrune([entry], policy('all', { maxSizeBytes: MB + 200 }));
    expect(paths(partial.items)).toEqual(['a.mp4/segment1_0_av.ts']);
  });

  it('sources compete by their own last access', () => {
    const entries: CacheEntry[] = [
      { kind: 'source', path: '.sources/new.mp4', renditionPath: 'new.mp4', bytes: MB, mtimeMs: NOW - 1000 },
      { kind: 'source', path: '.sources/old.mp4', renditionPath: 'old.mp4', bytes: MB, mtimeMs: NOW - 60_000 },
    ];
    expect(paths(planPrune(entries, policy('sources', { maxSizeBytes: MB })).items)).toEqual(['.sources/old.mp4']);
  });

  it('never removes a rendition being packaged to fit', () => {
    const [a, b] = byAge([10 * 60_000, 20 * 60_000]);
    const key = renditionKey('r1.mp4');
    const lock: CacheEntry = { kind: 'lock', path: `.locks/${key}.lock`, key, stale: false, bytes: 0, mtimeMs: NOW };
    const plan = planPrune([a!, b!, lock], policy('renditions', { maxSizeBytes: 0 }));
    expect(paths(plan.items)).toEqual(['r0.mp4']);
    expect(plan.overBudget).toBe(true);
  });
});

describe('planPrune: nothing to do', () => {
  it('an empty cache plans nothing', () => {
    expect(planPrune([], policy('all', { maxSizeBytes: 0 }))).toEqual({
      items: [],
      bytes: 0,
      kept: [],
      cacheBytes: 0,
      cacheBytesAfter: 0,
      overBudget: false,
    });
  });
});

describe('planPrune: properties', () => {
  const minutes = fc.integer({ min: 0, max: 600 }).map((m) => NOW - m * 60_000);
  const renditionArb = fc
    .record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e'), segments: fc.array(minutes, { minLength: 1, maxLength: 5 }), made: minutes })
    .map((r) =>
      rendition(
        `${r.name}.mp4`,
        r.segments.map((t) => NOW - t),
        { made: r.made },
      ),
    );
  const keyOf = (name: string) => renditionKey(`${name}.mp4`);
  const bookkeepingArb = fc.uniqueArray(
    fc.oneof(
      fc.record({ name: fc.constantFrom('a', 'b', 'x'), stale: fc.boolean(), at: minutes }).map(({ name, stale, at }): CacheEntry => ({
        kind: 'lock',
        path: `.locks/${keyOf(name)}.lock`,
        key: keyOf(name),
        stale,
        bytes: 10,
        mtimeMs: at,
      })),
      fc.record({ name: fc.constantFrom('c', 'x'), at: minutes }).map(({ name, at }): CacheEntry => ({
        kind: 'tmp',
        path: `.tmp/${keyOf(name)}.h.1.0a0b0c0d`,
        key: keyOf(name),
        bytes: 5,
        mtimeMs: at,
      })),
    ),
    { maxLength: 4, selector: (e) => e.path },
  );
  const entriesArb = fc
    .tuple(bookkeepingArb, fc.uniqueArray(renditionArb, { selector: (r) => r.path, maxLength: 5 }), fc.array(minutes, { maxLength: 3 }))
    .map(([bookkeeping, renditions, sources]) => ({
      bookkeeping,
      content: [
        ...renditions,
        ...sources.map((at, i): CacheEntry => ({
          kind: 'source',
          path: `.sources/s${i}.mp4`,
          renditionPath: `s${i}.mp4`,
          bytes: 100,
          mtimeMs: at,
        })),
      ],
    }));
  const whatArb = fc.constantFrom<PruneWhat>('segments', 'renditions', 'sources', 'all');

  it('without a budget, planning entry by entry (as the runner does while scanning) gives the same plan as planning all at once', () => {
    fc.assert(
      fc.property(entriesArb, whatArb, ({ bookkeeping, content }, what) => {
        const p = policy(what);
        const whole = planPrune([...bookkeeping, ...content], p);
        const busy = busyKeys(bookkeeping, p);
        const pieces = [planPrune(bookkeeping, p, busy), ...content.map((entry) => planPrune([entry], p, busy))];
        expect(pieces.flatMap((piece) => piece.items)).toEqual(whole.items);
        expect(pieces.flatMap((piece) => piece.kept)).toEqual(whole.kept);
        expect(pieces.reduce((sum, piece) => sum + piece.cacheBytes, 0)).toBe(whole.cacheBytes);
      }),
    );
  });

  it('with a budget: fits whenever anything may still go, never removes a busy rendition, and takes an item only if all older candidates went', () => {
    fc.assert(
      fc.property(entriesArb, whatArb, fc.integer({ min: 0, max: 20_000 }), ({ bookkeeping, content }, what, maxSizeBytes) => {
        const p = policy(what, { maxSizeBytes });
        const entries = [...bookkeeping, ...content];
        const plan = planPrune(entries, p);
        const busy = busyKeys(entries, p);
        expect(plan.items.every((i) => i.key === null || !busy.has(i.key) || i.kind === 'lock' || i.kind === 'tmp')).toBe(true);
        expect(plan.cacheBytesAfter).toBe(plan.cacheBytes - plan.items.reduce((s, i) => s + i.bytes, 0));
        expect(new Set(plan.items.map((i) => i.path)).size).toBe(plan.items.length);
        const budgetItems = plan.items.filter((i) => i.reason === 'max-size');
        if (!plan.overBudget) expect(plan.cacheBytesAfter).toBeLessThanOrEqual(maxSizeBytes);
        for (let i = 1; i < budgetItems.length; i++)
          expect(budgetItems[i]!.lastAccessMs).toBeGreaterThanOrEqual(budgetItems[i - 1]!.lastAccessMs);
      }),
    );
  });
});
