// What one e2e file starts (processes, servers, temp dirs, the browser), released in reverse
// order by the file's afterAll, each release bounded in time so a stuck one cannot hang the run.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Resources {
  // Registers a release step; steps run last-in, first-out.
  add(name: string, release: () => Promise<unknown> | unknown): void;
  // A fresh directory under os.tmpdir(), removed on release.
  dir(prefix: string): string;
  release(): Promise<void>;
}

const RELEASE_LIMIT_MS = 15_000;

export function resources(): Resources {
  const steps: Array<{ name: string; release: () => Promise<unknown> | unknown }> = [];
  return {
    add: (name, release) => void steps.push({ name, release }),
    dir(prefix) {
      const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), `casterpak-e2e-${prefix}-`)));
      steps.push({ name: `rm ${dir}`, release: () => rmSync(dir, { recursive: true, force: true }) });
      return dir;
    },
    async release() {
      const failures: string[] = [];
      for (const step of steps.splice(0).reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('did not finish in time')), RELEASE_LIMIT_MS);
        });
        try {
          await Promise.race([Promise.resolve().then(step.release), limit]);
        } catch (error) {
          failures.push(`${step.name}: ${(error as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
      if (failures.length > 0) throw new Error(`release failed: ${failures.join('; ')}`);
    },
  };
}

// Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`.
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
