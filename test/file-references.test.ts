// Docs and comments name source files as the way into the code; after a move, a name that no
// longer exists sends a reader nowhere. Every repository path in docs/*.md and README.md, and
// every path to a .ts file named in a comment under src/, test/ or bench/, must be a file here.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from './helpers/bento4.js';

function filesUnder(dir: string, pattern: RegExp): string[] {
  const entries = readdirSync(path.join(REPO_DIR, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => path.relative(REPO_DIR, path.join(e.parentPath, e.name)))
    .filter((file) => !file.startsWith('test/fixtures/'));
}

const CODE = ['src', 'test', 'bench'].flatMap((dir) => filesUnder(dir, /\.(ts|js)$/));

// A comment may name a file by its tail (`formats/mp4/moov.ts`, `store/plan-request.ts`): any
// file whose path ends so is the one meant.
function named(tail: string): boolean {
  return CODE.some((file) => file === tail || file.endsWith(`/${tail}`));
}

describe('file references', () => {
  it('every src/, test/ or bench/ path in the docs and the README exists', () => {
    const docs = [...filesUnder('docs', /\.md$/), 'README.md'];
    const missing = docs.flatMap((doc) =>
      [...readFileSync(path.join(REPO_DIR, doc), 'utf8').matchAll(/\b(?:src|test|bench)\/[\w./-]*\w\.(?:ts|js|sh)\b/g)]
        .map((m) => m[0])
        .filter((ref) => !existsSync(path.join(REPO_DIR, ref)))
        .map((ref) => `${doc}: ${ref}`),
    );
    expect(missing).toEqual([]);
  });

  it('every folder/file.ts a comment names exists', () => {
    const missing = CODE.flatMap((file) =>
      readFileSync(path.join(REPO_DIR, file), 'utf8')
        .split('\n')
        .flatMap((line) => {
          const comment = /(?:^\s*\*|\/\/|\/\*)(.*)$/.exec(line)?.[1] ?? '';
          return [...comment.matchAll(/(?<![\w/.:-])(?:\.\.\/)*([a-z][\w-]*(?:\/[\w.-]+)*\/[\w.-]+\.ts)\b/g)]
            .map((m) => m[1]!)
            .filter((ref) => !named(ref.replace(/^(\.\.\/)+/, '')))
            .map((ref) => `${file}: ${ref}`);
        }),
    );
    expect(missing).toEqual([]);
  });
});
