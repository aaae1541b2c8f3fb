// Fault injection for derived renditions: an "ffmpeg" that answers the start-up check
// (`-encoders`, `-version`) with the real one and does something else when asked to transcode.
// Each transcode appends a line to `runs`, so a test counts them without trusting casterpak.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../helpers/temp-dir.js';
import { FFMPEG } from './media-probe.js';

interface FakeFfmpeg {
  readonly path: string;
  /** Transcodes started so far. */
  runs(): number;
  /** Their process ids (the script execs ffmpeg, which keeps the id). */
  pids(): number[];
}

// fail: exit 1 with a message; hang-first: the first transcode begins its output file (its last
// argument) and then waits until it is killed, however loaded the machine, the next ones run
// at full speed; sleep: wait `seconds`, then the real ffmpeg.
type FakeBehaviour = { kind: 'fail' } | { kind: 'hang-first' } | { kind: 'sleep'; seconds: number };

export function fakeFfmpeg(behaviour: FakeBehaviour): FakeFfmpeg {
  const dir = tempDir('casterpak-ffmpeg-');
  const runs = path.join(dir, 'runs');
  const file = path.join(dir, 'ffmpeg');
  const transcode = {
    fail: `echo 'fake ffmpeg: injected encoder failure' >&2\nexit 1`,
    'hang-first': `if [ "$(wc -l < '${runs}')" -eq 1 ]; then for out; do :; done; printf 'begun' > "$out"; exec sleep 600; fi\nexec '${FFMPEG}' "$@"`,
    sleep: `sleep ${behaviour.kind === 'sleep' ? behaviour.seconds : 0}\nexec '${FFMPEG}' "$@"`,
  }[behaviour.kind];
  const script = [
    '#!/bin/sh',
    `for a in "$@"; do case "$a" in -encoders|-version) exec '${FFMPEG}' "$@" ;; esac; done`,
    `echo $$ >> '${runs}'`,
    transcode,
    '',
  ].join('\n');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  const pids = () => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').filter(Boolean).map(Number) : []);
  return { path: file, runs: () => pids().length, pids };
}
