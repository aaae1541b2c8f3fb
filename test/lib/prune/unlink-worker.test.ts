import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnlinkWorker, type UnlinkFailures } from '../../../src/lib/prune/unlink-worker.js';
import { tempDir } from '../../helpers/temp-dir.js';

const unlink = (worker: UnlinkWorker, files: string[]) => new Promise<UnlinkFailures>((resolve) => worker.unlink(files, resolve));

describe('UnlinkWorker', () => {
  it('unlinks a batch on its thread and answers with the index and code of each failure', async () => {
    const dir = tempDir();
    const files = ['a.ts', 'b.ts', 'c.ts'].map((name) => path.join(dir, name));
    for (const file of files) writeFileSync(file, 'x');
    mkdirSync(path.join(dir, 'sub'));
    const worker = new UnlinkWorker();
    try {
      const failures = await unlink(worker, [files[0]!, path.join(dir, 'missing.ts'), files[1]!, path.join(dir, 'sub'), files[2]!]);
      expect(failures.map(([i]) => i)).toEqual([1, 3]);
      expect(failures[0]![1]).toBe('ENOENT');
      expect(['EISDIR', 'EPERM']).toContain(failures[1]![1]); // unlink(2) of a directory
      expect(files.some(existsSync)).toBe(false);
      expect(existsSync(path.join(dir, 'sub'))).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('answers every batch, in any number, and fails what comes after close', async () => {
    const dir = tempDir();
    const worker = new UnlinkWorker();
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) => {
        const file = path.join(dir, `${b}-${i}.ts`);
        writeFileSync(file, '');
        return file;
      }),
    );
    const answers = await Promise.all(batches.map((files) => unlink(worker, files)));
    expect(answers.every((failures) => failures.length === 0)).toBe(true);
    await worker.close();
    expect(await unlink(worker, ['/nonexistent/a', '/nonexistent/b'])).toEqual([
      [0, 'unlink worker exited'],
      [1, 'unlink worker exited'],
    ]);
  });
});
