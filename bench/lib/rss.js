// Resident memory of benchmarked processes, read from /proc (Linux only: elsewhere the figures
// are NaN and the benches say so).
import { promises as fs } from 'node:fs';

// VmRSS of one process in MiB, NaN when it is gone or /proc is missing.
export async function rssMiB(pid) {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const kB = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kB ? Number(kB[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// `pid` and its descendants (a cluster's workers, nginx's worker), parents first.
export async function processTree(pid) {
  let entries = [];
  try {
    entries = (await fs.readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return [pid];
  }
  const parentOf = new Map();
  for (const name of entries) {
    try {
      const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after its last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  return tree;
}

// Samples the RSS of `pid`'s tree every `everyMs` until stop(), which returns the peak per
// process (MiB; the last sample for processes that the sampling saw only once).
export function sampleTreeRss(pid, everyMs = 500) {
  const peaks = new Map();
  const sample = async () => {
    for (const p of await processTree(pid)) {
      const mib = await rssMiB(p);
      if (Number.isFinite(mib)) peaks.set(p, Math.max(peaks.get(p) ?? 0, mib));
    }
  };
  let pending = sample();
  const timer = setInterval(() => {
    pending = pending.then(sample);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await sample();
      return [...peaks.values()];
    },
  };
}
