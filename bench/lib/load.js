// Load generators for the warm benches: wrk when it is installed (C, one thread: it leaves the
// server the CPU), else autocannon. `load(url, paths, scratch)` cycles through `paths` for
// BENCH_LOAD_SECONDS (10) and returns { bytesPerSecond, requestsPerSecond, p99 (ms) }.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';

const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS) || 10;
const CONNECTIONS = 32;

const WRK = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout?.startsWith('wrk') ? 'wrk' : null;
export const GENERATOR = WRK ? 'wrk -t1 -c16' : `autocannon, ${CONNECTIONS} connections`;

const UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, us: 1e-3, ms: 1, s: 1000 };
const scaled = (text) => {
  const m = /^([\d.]+)([A-Za-z]+)$/.exec(text.trim());
  return m ? Number(m[1]) * (UNITS[m[2]] ?? NaN) : NaN;
};

// wrk over `paths` in turn (a Lua request function); its summary parsed.
async function wrkLoad(url, paths, scratch) {
  const script = path.join(scratch, `paths-${paths.length}.lua`);
  await fs.writeFile(
    script,
    `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n`,
  );
  const run = spawnSync(WRK, ['-t1', '-c16', `-d${LOAD_SECONDS}s`, '--latency', '-s', script, url], {
    encoding: 'utf8',
    timeout: (LOAD_SECONDS + 30) * 1000,
  });
  const out = run.stdout ?? '';
  const field = (re) => re.exec(out)?.[1];
  const failed =
    Number(field(/Non-2xx or 3xx responses: (\d+)/) ?? 0) +
    (field(/Socket errors: (.*)/) ?? '').split(',').reduce((n, part) => n + Number(/\d+/.exec(part)?.[0] ?? 0), 0);
  if (run.status !== 0 || failed > 0)
    throw new Error(`wrk against ${url}: exit ${run.status}, ${failed} failed requests\n${out}${run.stderr ?? ''}`);
  return {
    bytesPerSecond: scaled(field(/Transfer\/sec:\s+(\S+)/) ?? ''),
    requestsPerSecond: Number(field(/Requests\/sec:\s+([\d.]+)/)),
    p99: scaled(field(/\s99%\s+(\S+)/) ?? ''),
  };
}

// autocannon over `paths` in turn; bytes/s and requests/s averaged over the run.
async function autocannonLoad(url, paths) {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: LOAD_SECONDS,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0)
    throw new Error(
      `${failed} failed requests against ${url} (statuses ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts)`,
    );
  return { bytesPerSecond: result.throughput.average, requestsPerSecond: result.requests.average, p99: result.latency.p99 };
}

export const load = (url, paths, scratch) => (WRK ? wrkLoad(url, paths, scratch) : autocannonLoad(url, paths));
