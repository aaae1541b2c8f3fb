// docs/reliability.md: a worker killed with SIGKILL under continuous traffic.
// Every connection must be answered or fail at once (reset); none may be left open with no
// one to answer it. With node:cluster's default round robin, a connection the primary had
// just handed to the dying worker was held open by the primary forever (6 hung in 10 kills).
import { describe, expect, it } from 'vitest';
import { avLibrary } from './helpers/library.js';
import { startServe, waitFor } from '../helpers/serve-process.js';
import { get } from './helpers/validate.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('crash safety: worker kills under traffic', () => {
  it(
    '10 worker kills under continuous traffic: every connection is answered or reset, none left hanging',
    { timeout: 60_000 },
    async () => {
      const { cacheDir } = avLibrary('casterpak-hang-');
      const serve = await startServe(['--workers', '2', '--cache-dir', cacheDir, '--log-level', 'info']);
      const listening = () => serve.stderr().split('"msg":"listening"').length - 1;
      await waitFor(() => listening() === 2, 15_000, 'two workers');
      const counts = { answered: 0, reset: 0, hung: 0 };
      let running = true;
      const client = async () => {
        while (running) {
          try {
            await get(`${serve.url}/healthz`, 3000);
            counts.answered++;
          } catch (error) {
            counts[(error as Error).name === 'TimeoutError' ? 'hung' : 'reset']++;
          }
        }
      };
      const clients = Array.from({ length: 20 }, client);
      for (let kill = 1; kill <= 10; kill++) {
        await sleep(300);
        process.kill(serve.workers()[0], 'SIGKILL');
        await waitFor(() => listening() === 2 + kill, 15_000, 'a restarted worker');
      }
      await sleep(3500); // past the clients' time limit: a hung connection shows as one
      running = false;
      await Promise.all(clients);
      console.info('[reliability] continuous traffic, 10 worker kills', JSON.stringify(counts));
      expect(counts.hung).toBe(0);
      expect(counts.answered).toBeGreaterThan(1000);
    },
  );
});
