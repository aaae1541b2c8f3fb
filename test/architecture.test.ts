// The layout rules of docs/architecture.md, read from the imports: the format core and the files
// declared pure do no I/O, and no layer imports one above it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from './helpers/bento4.js';

const SRC = path.join(REPO_DIR, 'src');

// Lower rank = lower layer. A file may import its own folder and anything ranked lower.
// Features of one rank (packaging and prune) never import each other.
const RANK: Record<string, number> = {
  shared: 0,
  formats: 1,
  config: 2,
  net: 3,
  cache: 4,
  packaging: 5,
  prune: 5,
  'trick-play': 6,
  renditions: 6,
  masters: 7,
  origin: 8,
  commands: 9,
  'cli.ts': 10,
};

// Files besides formats/ that hold decisions only: text or data in, text or data out.
const PURE = [
  'cache/abandoned.ts',
  'cache/names.ts',
  'cache/rendition-path.ts',
  'config/checks.ts',
  'config/env.ts',
  'config/ladder.ts',
  'config/merge-layer.ts',
  'config/origin.ts',
  'config/schema.ts',
  'config/units.ts',
  'masters/master-build.ts',
  'masters/audio-groups.ts',
  'masters/stream-inf.ts',
  'masters/csmil-check.ts',
  'masters/master-check.ts',
  'masters/master-ladder.ts',
  'masters/master-rewrite.ts',
  'masters/variant-uri.ts',
  'origin/http/conditional.ts',
  'origin/http/range.ts',
  'origin/request-path.ts',
  'origin/routes.ts',
  'origin/startup-line.ts',
  'origin/tokens/carry-token.ts',
  'origin/keys/key-names.ts',
  'origin/keys/encrypt-playlist.ts',
  'origin/tokens/edge-auth.ts',
  'net/sigv4.ts',
  'origin/status/library-html.ts',
  'origin/status/status-html.ts',
  'packaging/media-playlist.ts',
  'packaging/mp42hls-args.ts',
  'packaging/mp4info.ts',
  'packaging/store/plan-request.ts',
  'origin/status/status-script.ts',
  'prune/budget.ts',
  'cache/entries.ts',
  'prune/plan.ts',
  'prune/report.ts',
  'renditions/ladder-plan.ts',
  'renditions/rate-cap.ts',
  'shared/errors.ts',
  'shared/paths.ts',
  'trick-play/iframe-playlist.ts',
  'trick-play/iframe-uri.ts',
  'trick-play/iframe-variant.ts',
];

const EFFECTS = /^(node:)?(fs|fs\/promises|http|https|http2|net|tls|dgram|child_process|cluster|worker_threads)$|^execa$|^undici$/;

export interface Violation {
  readonly file: string;
  readonly rule: string;
}

// Every module specifier a source text imports or re-exports, static or dynamic.
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|[^\w.])(?:import|export)\s*(?:[^'"();]*?\sfrom\s*)?\(?\s*['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) specs.push(m[1]);
  return specs;
}

// A path relative to src/, named as the layers know it: the library's folders without `lib/`.
const inLibrary = (rel: string) => (rel.startsWith('lib/') ? rel.slice('lib/'.length) : rel);
const topOf = (rel: string) => (rel.includes('/') ? rel.split('/')[0] : rel);

// The rules broken by one file (path relative to src/, its text).
export function violations(srcRel: string, text: string): Violation[] {
  const found: Violation[] = [];
  const rel = inLibrary(srcRel);
  const pure = rel.startsWith('formats/') || PURE.includes(rel);
  const rank = RANK[topOf(rel)];
  for (const spec of importsOf(text)) {
    if (!spec.startsWith('.')) {
      if (pure && EFFECTS.test(spec)) found.push({ file: rel, rule: `pure file imports ${spec}` });
      continue;
    }
    const target = inLibrary(path.posix.normalize(path.posix.join(path.posix.dirname(srcRel), spec)).replace(/\.js$/, '.ts'));
    const targetTop = topOf(target);
    if (pure && !target.startsWith('formats/') && !PURE.includes(target))
      found.push({ file: rel, rule: `pure file imports ${target}, which is not pure` });
    if (targetTop !== topOf(rel) && (RANK[targetTop] ?? Infinity) >= rank)
      found.push({ file: rel, rule: `${topOf(rel)} imports ${target} (a higher or sibling layer)` });
  }
  const code = text.replace(/`(?:\\.|[^`\\])*`/gs, '``').replace(/\/\/.*$/gm, ''); // browser code in template strings is data
  if (pure && /\bfetch\s*\(/.test(code)) found.push({ file: rel, rule: 'pure file calls fetch' });
  return found;
}

// The relative imports of each file (paths relative to src/, `.ts`), as the layer rule reads them.
export function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [rel, text] of files) {
    const targets = importsOf(text)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts'));
    graph.set(rel, targets);
  }
  return graph;
}

// Every import circle, each once, as the files around it (depth-first search: an edge back to a
// file still on the path closes one).
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

function sourceFiles(dir: string, rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name), `${rel}${e.name}/`) : e.name.endsWith('.ts') ? [`${rel}${e.name}`] : [],
  );
}

const FILES = sourceFiles(SRC);

describe('architecture', () => {
  it('the shared library is src/lib/, beside the commands and the CLI entry', () => {
    expect(FILES.filter((rel) => !rel.startsWith('lib/') && !rel.startsWith('commands/') && rel !== 'cli.ts')).toEqual([]);
    expect(FILES.filter((rel) => rel.startsWith('lib/') && ['commands', 'cli.ts'].includes(topOf(inLibrary(rel))))).toEqual([]);
  });

  it('every top-level folder has a layer', () => {
    expect(FILES.map((rel) => topOf(inLibrary(rel))).filter((top) => RANK[top] === undefined)).toEqual([]);
  });

  it('the declared pure files exist', () => {
    expect(PURE.filter((rel) => !FILES.includes(`lib/${rel}`) && rel !== 'origin/routes.ts')).toEqual([]);
  });

  it('formats and the pure files do no I/O, and no layer imports one above it', () => {
    expect(FILES.flatMap((rel) => violations(rel, readFileSync(path.join(SRC, rel), 'utf8')))).toEqual([]);
  });

  it('no import circle anywhere in src/', () => {
    const graph = importGraph(new Map(FILES.map((rel) => [rel, readFileSync(path.join(SRC, rel), 'utf8')])));
    expect(importCycles(graph)).toEqual([]);
  });

  it('finds a planted import circle, and none in a chain', () => {
    const planted = new Map([
      ['lib/a/x.ts', "import { y } from './y.js';"],
      ['lib/a/y.ts', "import type { z } from '../b/z.js';"],
      ['lib/b/z.ts', "export { x } from '../a/x.js';"],
      ['lib/b/w.ts', "import { z } from './z.js';"],
    ]);
    expect(importCycles(importGraph(planted))).toEqual([['lib/a/x.ts', 'lib/a/y.ts', 'lib/b/z.ts']]);
    planted.set('lib/b/z.ts', "import { q } from 'node:path';");
    expect(importCycles(importGraph(planted))).toEqual([]);
  });

  it('no folder holds more than 15 files', () => {
    const counts = new Map<string, number>();
    for (const rel of FILES) counts.set(path.posix.dirname(rel), (counts.get(path.posix.dirname(rel)) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 15)).toEqual([]);
  });

  it('fails on a pure file that reads the disk, runs a tool or calls the network', () => {
    expect(violations('lib/formats/mp4/x.ts', "import { readFile } from 'node:fs/promises';")).toHaveLength(1);
    expect(violations('lib/prune/plan.ts', "import { execa } from 'execa';")).toHaveLength(1);
    expect(violations('lib/formats/hls/y.ts', 'const r = await fetch(url);')).toHaveLength(1);
    expect(violations('lib/formats/hls/y.ts', "const m = await import('node:child_process');")).toHaveLength(1);
    expect(violations('lib/packaging/bento4.ts', "import { execa } from 'execa';")).toEqual([]);
    expect(violations('lib/prune/plan.ts', "import { tryLock } from '../cache/lock.js';")).toHaveLength(1);
  });

  it('fails on a lower layer that imports a higher one', () => {
    const layerRules = (rel: string, text: string) => violations(rel, text).filter((v) => v.rule.includes('higher'));
    expect(layerRules('lib/formats/hls/codec.ts', "import { x } from '../../packaging/packager.js';")).toHaveLength(1);
    expect(layerRules('lib/packaging/packager.ts', "export { y } from '../origin/server.js';")).toHaveLength(1);
    expect(layerRules('lib/prune/run.ts', "import { z } from '../../commands/prune.js';")).toHaveLength(1);
    expect(layerRules('lib/prune/run.ts', "import { z } from '../packaging/packager.js';")).toHaveLength(1);
    expect(layerRules('lib/origin/server.ts', "import { z } from '../packaging/packager.js';")).toEqual([]);
    expect(layerRules('commands/serve.ts', "import { z } from '../lib/origin/server.js';")).toEqual([]);
  });
});
