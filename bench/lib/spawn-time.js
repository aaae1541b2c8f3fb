// How long the processes a server spawns run, without a hook in the server: the server runs
// under strace, which stops only at execve (seccomp-bpf filter, so the rest of its system calls
// run untraced) and notes every exit. A process's time runs from its execve to its exit: the
// fork before it and the wait after it count as the parent's work, as they are.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';

export const HAS_STRACE = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

// The command line to run the server under; its log goes to `logFile`.
export const straceWrap = (logFile) => [
  'strace',
  '-f',
  '--seccomp-bpf',
  '-q',
  '-ttt',
  '-e',
  'trace=execve',
  '-e',
  'signal=none',
  '-o',
  logFile,
];

// The processes that exec'd a program named `program` and exited, as { start, end } in
// Date.now() milliseconds (strace's -ttt is the same wall clock), in the order they started,
// from the log's lines `<pid> <seconds> execve("…/program", …) = 0` and
// `<pid> <seconds> +++ exited with <code> +++`.
async function programSpans(logFile, program) {
  const started = new Map();
  const spans = [];
  for (const line of (await fs.readFile(logFile, 'utf8')).split('\n')) {
    const m = /^(\d+)\s+([\d.]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, seconds, rest] = m;
    const exec = /^execve\("([^"]*)".*= 0$/.exec(rest);
    if (exec) {
      if (exec[1].endsWith(`/${program}`) || exec[1] === program) started.set(pid, Number(seconds) * 1000);
      else started.delete(pid);
    } else if (rest.startsWith('+++ exited') || rest.startsWith('+++ killed')) {
      if (started.has(pid)) spans.push({ start: started.get(pid), end: Number(seconds) * 1000 });
      started.delete(pid);
    }
  }
  return spans;
}

// The time (ms) the `program` processes that both started and exited within [from, to] ran: those
// of one timed request (a read-ahead run still going at its end is left out).
export async function programTimeWithin(logFile, program, from, to) {
  const within = (await programSpans(logFile, program)).filter((s) => s.start >= from - 1 && s.end <= to + 1);
  return within.reduce((total, s) => total + s.end - s.start, 0);
}
